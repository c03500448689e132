/** Camera access with every failure mapped to a typed, explainable error. */

export type CameraErrorCode = 'camera_denied' | 'no_camera' | 'camera_busy' | 'insecure_context' | 'unsupported_browser' | 'camera_failed';

export class CameraError extends Error {
  readonly code: CameraErrorCode;
  constructor(code: CameraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CameraError';
    this.code = code;
  }
}

export interface CameraRequest {
  width: number;
  height: number;
  frameRate: number;
}

export const DEFAULT_CAMERA_REQUEST: CameraRequest = { width: 640, height: 480, frameRate: 30 };

export function mapCameraError(err: unknown): CameraError {
  const name = (err as { name?: string })?.name ?? '';
  const message = String((err as Error)?.message ?? err);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new CameraError('camera_denied', message, { cause: err });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CameraError('no_camera', message, { cause: err });
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CameraError('camera_busy', message, { cause: err });
    default:
      return new CameraError('camera_failed', message, { cause: err });
  }
}

export async function openCamera(req: CameraRequest = DEFAULT_CAMERA_REQUEST): Promise<MediaStream> {
  if (!globalThis.isSecureContext) throw new CameraError('insecure_context', 'not a secure context');
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('unsupported_browser', 'getUserMedia missing');
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: 'user', width: { ideal: req.width }, height: { ideal: req.height }, frameRate: { ideal: req.frameRate } },
    });
  } catch (err) {
    throw mapCameraError(err);
  }
}

export function stopCamera(stream: MediaStream | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

/** Features the page cannot work without. */
export function missingFeatures(): string[] {
  const missing: string[] = [];
  if (typeof Worker === 'undefined') missing.push('Worker');
  if (typeof WebAssembly === 'undefined') missing.push('WebAssembly');
  if (typeof OffscreenCanvas === 'undefined') missing.push('OffscreenCanvas');
  if (typeof createImageBitmap === 'undefined') missing.push('createImageBitmap');
  if (!navigator.mediaDevices?.getUserMedia) missing.push('getUserMedia');
  return missing;
}
