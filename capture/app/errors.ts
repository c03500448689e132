/** Every failure the person can meet, mapped to what to say and what they can do next. */
import type { MessageKey } from './i18n.ts';

export type PageErrorCode =
  | 'link_invalid'
  | 'camera_denied'
  | 'no_camera'
  | 'camera_busy'
  | 'insecure_context'
  | 'unsupported_browser'
  | 'session_expired'
  | 'session_cancelled'
  | 'session_used'
  | 'session_failed'
  | 'session_not_found'
  | 'attempts_exhausted'
  | 'network_lost'
  | 'models_failed'
  | 'unexpected';

export type NextStep = 'retry' | 'reload' | 'none';

export interface PageErrorView {
  message: MessageKey;
  next: NextStep;
  /** Show the QR code so the person can continue on another device. */
  qr?: boolean;
}

export const PAGE_ERRORS: Record<PageErrorCode, PageErrorView> = {
  link_invalid: { message: 'err_link_invalid', next: 'none' },
  camera_denied: { message: 'err_denied', next: 'retry' },
  no_camera: { message: 'err_no_camera', next: 'retry', qr: true },
  camera_busy: { message: 'err_camera_busy', next: 'retry' },
  insecure_context: { message: 'err_insecure', next: 'none' },
  unsupported_browser: { message: 'err_unsupported', next: 'none', qr: true },
  session_expired: { message: 'err_expired', next: 'none' },
  session_cancelled: { message: 'err_cancelled', next: 'none' },
  session_used: { message: 'err_used', next: 'none' },
  session_failed: { message: 'err_failed', next: 'none' },
  session_not_found: { message: 'err_not_found', next: 'none' },
  attempts_exhausted: { message: 'err_exhausted', next: 'none' },
  network_lost: { message: 'err_network', next: 'retry' },
  models_failed: { message: 'err_models', next: 'reload', qr: true },
  unexpected: { message: 'err_generic', next: 'reload' },
};

/** Which browser's steps to give for re-enabling a blocked camera. */
export function deniedAdviceKey(userAgent: string): MessageKey {
  if (/Firefox\//.test(userAgent)) return 'err_denied_firefox';
  if (/Safari\//.test(userAgent) && !/Chrom(e|ium)\//.test(userAgent)) return 'err_denied_safari';
  return 'err_denied_chrome';
}
