/** Which error screen a session state or a thrown error leads to. */
import type { Bootstrap } from '../../workers/protocol/index.ts';
import { CaptureApiError } from './api.ts';
import { CameraError } from './camera.ts';
import type { PageErrorCode } from './errors.ts';
import { PipelineError } from './pipeline.ts';

export function terminalError(s: Pick<Bootstrap, 'status' | 'expires_at'>): PageErrorCode | null {
  switch (s.status) {
    case 'completed':
      return 'session_used';
    case 'expired':
      return 'session_expired';
    case 'cancelled':
      return 'session_cancelled';
    case 'failed':
      return 'session_failed';
    default:
      return new Date(s.expires_at).getTime() < Date.now() ? 'session_expired' : null;
  }
}

export function apiErrorCode(err: unknown): PageErrorCode {
  if (err instanceof CaptureApiError) {
    switch (err.code) {
      case 'network_lost':
        return 'network_lost';
      case 'session_expired':
        return 'session_expired';
      case 'session_terminal':
        return 'session_used';
      case 'attempts_exhausted':
        return 'attempts_exhausted';
      case 'session_not_found':
      case 'capture_token_invalid':
        return 'session_not_found';
      default:
        return 'unexpected';
    }
  }
  if (err instanceof CameraError) {
    return err.code === 'camera_failed' ? 'camera_busy' : err.code;
  }
  if (err instanceof PipelineError) return 'models_failed';
  return 'unexpected';
}
