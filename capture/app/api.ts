/**
 * Capture protocol client (docs/PROTOCOL.md). Every call sends `Authorization: Capture <token>`;
 * the token lives only in this closure. Chunks are retried with backoff on network failure and
 * on 5xx (idempotent by seq); protocol errors surface as CaptureApiError with the server's code.
 * Every answer is parsed with the schema the server serialises it with: an answer that is not one
 * (a proxy's or a captive portal's page, a cut body) is `server_error`, never a guess.
 */
import type { z } from 'zod';
import {
  BootstrapSchema, ChunkAnswerSchema, FinishAnswerSchema, LightRevealSchema, StartAnswerSchema,
  type Bootstrap, type CaptureApiErrorCode, type ChunkAnswer, type DeviceProfile, type ErrorBody, type FinishAnswer, type FinishBody,
  type LightReveal, type StartAnswer,
} from '../../workers/protocol/index.ts';

export class CaptureApiError extends Error {
  readonly code: CaptureApiErrorCode;
  readonly status: number;
  readonly hint: string | undefined;
  constructor(code: CaptureApiErrorCode, message: string, status = 0, hint?: string) {
    super(message);
    this.name = 'CaptureApiError';
    this.code = code;
    this.status = status;
    this.hint = hint;
  }
}

export interface RetryPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, baseMs: 300, maxMs: 5000 };

export interface CaptureClientOptions {
  baseUrl: string;
  sessionId: string;
  token: string;
  fetch?: typeof fetch;
  retry?: RetryPolicy;
  /** Told when a call is being retried after a network failure (to show "reconnecting"). */
  onRetry?: (attempt: number, error: unknown) => void;
  signal?: AbortSignal;
  /** Per-request limit; a request that takes longer counts as a network failure. */
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

export interface CaptureClient {
  session(): Promise<Bootstrap>;
  start(profile: DeviceProfile): Promise<StartAnswer>;
  chunk(bytes: Uint8Array): Promise<ChunkAnswer>;
  /** The light-challenge steps due by now (not retried: the runner asks again itself). */
  light(attemptId: string): Promise<LightReveal>;
  finish(body: FinishBody): Promise<FinishAnswer>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new CaptureApiError('aborted', 'aborted'));
    }, { once: true });
  });
}

export function createCaptureClient(opts: CaptureClientOptions): CaptureClient {
  const doFetch = opts.fetch ?? fetch.bind(globalThis);
  const retry = opts.retry ?? DEFAULT_RETRY;
  const base = `${opts.baseUrl.replace(/\/$/, '')}/v1/capture/${encodeURIComponent(opts.sessionId)}`;

  async function call<T>(path: string, init: RequestInit, retriable: boolean, schema: z.ZodType<T>): Promise<T> {
    let attempt = 0;
    for (;;) {
      if (opts.signal?.aborted) throw new CaptureApiError('aborted', 'aborted');
      let res: Response;
      try {
        // A plain timer rather than AbortSignal.timeout (whose timer Node leaves unreferenced).
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(new DOMException('request timed out', 'TimeoutError')), opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
        res = await doFetch(base + path, {
          ...init,
          signal: opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal,
          headers: { ...(init.headers as Record<string, string>), Authorization: `Capture ${opts.token}` },
          cache: 'no-store',
          credentials: 'omit',
        }).finally(() => clearTimeout(timer));
      } catch (err) {
        if (opts.signal?.aborted) throw new CaptureApiError('aborted', 'aborted');
        if (!retriable || attempt >= retry.retries) throw new CaptureApiError('network_lost', String((err as Error)?.message ?? err));
        attempt++; // not inside the optional call: `?.` would skip the increment
        opts.onRetry?.(attempt, err);
        await waitOnline();
        await sleep(Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5), opts.signal);
        continue;
      }
      if (res.ok) return answer(res, path, schema);
      if (res.status >= 500 && retriable && attempt < retry.retries) {
        attempt++;
        opts.onRetry?.(attempt, new Error(`HTTP ${res.status}`));
        await sleep(Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1)), opts.signal);
        continue;
      }
      let body: Partial<ErrorBody> = {};
      try {
        body = await res.json();
      } catch {
        /* not JSON */
      }
      const code = (body.error?.code ?? 'server_error') as CaptureApiErrorCode;
      throw new CaptureApiError(code, body.error?.message ?? `HTTP ${res.status}`, res.status, body.error?.hint);
    }
  }

  async function answer<T>(res: Response, path: string, schema: z.ZodType<T>): Promise<T> {
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (parsed.success) return parsed.data;
    throw new CaptureApiError(
      'server_error',
      `the answer to ${path || 'the session request'} is not the capture protocol's (HTTP ${res.status}, ${res.headers.get('content-type') ?? 'no content type'})`,
      res.status,
      'Reload the page. If it happens again, something between this browser and the server (a proxy, a captive portal) is changing the answers.',
    );
  }

  function waitOnline(): Promise<void> {
    if (typeof navigator === 'undefined' || navigator.onLine !== false || typeof window === 'undefined') return Promise.resolve();
    return new Promise((resolve) => window.addEventListener('online', () => resolve(), { once: true }));
  }

  return {
    session: (): Promise<Bootstrap> => call('', { method: 'GET' }, true, BootstrapSchema),
    start: (profile): Promise<StartAnswer> =>
      call('/start', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ device_profile: profile }) }, true, StartAnswerSchema),
    chunk: (bytes): Promise<ChunkAnswer> =>
      call('/chunk', { method: 'POST', headers: { 'Content-Type': 'application/cbor' }, body: bytes as BodyInit }, true, ChunkAnswerSchema),
    light: (attemptId): Promise<LightReveal> =>
      call('/light', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ attempt_id: attemptId }) }, false, LightRevealSchema),
    finish: (body): Promise<FinishAnswer> =>
      call('/finish', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }, true, FinishAnswerSchema),
  };
}
