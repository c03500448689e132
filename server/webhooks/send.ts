// One signed HTTP POST of a delivery to its receiver (Standard Webhooks headers).
import { Webhook } from 'standardwebhooks';
import { VERSION } from '../version.ts';
import type { AttemptResult } from './retry-policy.ts';

export const WEBHOOK_USER_AGENT = `Livegate-Webhooks/${VERSION}`;

export interface SendWebhookInput {
  url: string;
  secret: string;
  msgId: string;
  body: string;
  /** Signing time; also the webhook-timestamp header. Receivers reject it outside ±5 minutes. */
  timestamp: Date;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  /** Aborts the request early (service shutdown). */
  signal?: AbortSignal;
}

export function signedWebhookHeaders(secret: string, msgId: string, timestamp: Date, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, timestamp, body),
  };
}

export async function sendWebhook(input: SendWebhookInput): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
  try {
    const response = await input.fetch(input.url, {
      method: 'POST',
      headers: signedWebhookHeaders(input.secret, input.msgId, input.timestamp, input.body),
      body: input.body,
      // A redirect is answered as a failure rather than followed: following would let a
      // receiver point our signed POSTs anywhere.
      redirect: 'manual',
      signal,
    });
    // The body is not needed; cancelling frees the connection.
    await response.body?.cancel().catch(() => {});
    return { kind: 'response', statusCode: response.status, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { kind: 'error', error: describeFetchError(error, timeout.aborted, input.timeoutMs) };
  }
}

function describeFetchError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  if (error instanceof Error) {
    if (error.name === 'AbortError') return 'aborted (service shutting down)';
    // undici puts the useful part (ECONNREFUSED, ENOTFOUND, ...) in the cause.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return typeof code === 'string' ? `${error.message}: ${code}` : `${error.message}: ${cause.message}`;
    }
    return error.message;
  }
  return String(error);
}
