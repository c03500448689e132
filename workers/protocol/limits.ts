// Hard limits of the capture protocol, shared by the plan the server hands out, the page that
// fills it, the chunk codec and the HTTP body limits. No zod here: the codec and the page import
// these numbers without pulling in the schema library.

export const CAPTURE_LIMITS = {
  /** Encoded size of one evidence chunk (bytes). */
  maxChunkBytes: 1024 * 1024,
  /** All evidence of one attempt (bytes). */
  maxTotalBytes: 16 * 1024 * 1024,
  maxFramesPerChunk: 90,
  chunkMs: 1000,
  fps: 30,
  faceCropSize: 64,
  contextCropSize: 160,
  contextCropScale: 4.0,
  /** JSON body of `start` (the device profile). */
  maxProfileBytes: 16 * 1024,
  /** JSON body of `light`. */
  maxLightBodyBytes: 4 * 1024,
  /** JSON body of `finish` (the client summary). */
  maxFinishBodyBytes: 64 * 1024,
  /** Largest `chunk_count` a finish may announce. */
  maxChunkCount: 10_000,
} as const;

/**
 * The frame size analysed when the page did not report one: the page asks the camera for
 * 640x480 and reports `capture: { width: 0, height: 0 }` when the browser does not say what it
 * delivered (see `captureFrameSize` in device-profile.ts).
 */
export const DEFAULT_CAPTURE_SIZE = { width: 640, height: 480 } as const;
