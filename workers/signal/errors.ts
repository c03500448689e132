/** Stable error codes of the signal stages. */
export type SignalErrorCode =
  | 'signal_too_short'
  | 'signal_bad_input'
  | 'signal_bad_option'
  | 'signal_fft_size';

/** A typed error with a stable string `code`; comlink carries only the message, so workers map it to `{ ok: false, code }`. */
export class SignalError extends Error {
  readonly code: SignalErrorCode;
  constructor(code: SignalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignalError';
    this.code = code;
  }
}
