// One signed HTTP POST of a delivery to its receiver (Standard Webhooks headers), over node:http(s)
// with a `lookup` that resolves the host, checks every address with the SSRF guard and hands the
// socket exactly the checked addresses: the connection goes to the IP that was validated, so a
// name that re-resolves to an internal address between check and connect (DNS rebinding) gains
// nothing.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { VERSION } from '../version.ts';
import type { AttemptResult } from './retry-policy.ts';
import { checkResolvedAddresses, checkUrlHost, ForbiddenWebhookTargetError, type AddressPolicy } from './url.ts';

export const WEBHOOK_USER_AGENT = `Livegate-Webhooks/${VERSION}`;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver by default; tests inject one). */
export type WebhookResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: WebhookResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface SendWebhookInput {
  url: string;
  secret: string;
  msgId: string;
  body: string;
  /** Signing time; also the webhook-timestamp header. Receivers reject it outside ±5 minutes. */
  timestamp: Date;
  timeoutMs: number;
  /** What the SSRF guard lets through. */
  policy: AddressPolicy;
  resolve?: WebhookResolver;
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

/** A `lookup` for net/tls that only ever yields addresses the guard accepted. */
export function guardedLookup(policy: AddressPolicy, resolve: WebhookResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        try {
          checkResolvedAddresses(hostname, addresses.map((a) => a.address), policy);
        } catch (err) {
          callback(err as NodeJS.ErrnoException, '', 0);
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), '', 0);
        } else if (options.all) {
          (callback as unknown as (err: null, addresses: ResolvedAddress[]) => void)(null, wanted);
        } else {
          callback(null, wanted[0].address, wanted[0].family);
        }
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

export async function sendWebhook(input: SendWebhookInput): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
  try {
    const url = new URL(input.url);
    // An IP literal never goes through `lookup`: it is checked here (the policy may have changed
    // since registration).
    checkUrlHost(url, input.policy);
    const response = await post(url, signedWebhookHeaders(input.secret, input.msgId, input.timestamp, input.body), input.body, {
      lookup: guardedLookup(input.policy, input.resolve ?? systemResolver),
      signal,
    });
    // The body is not needed; dropping it frees the socket. Redirects are answered as failures
    // rather than followed (node:http never follows them): following would let a receiver point
    // our signed POSTs anywhere.
    response.resume();
    const retryAfter = response.headers['retry-after'];
    return { kind: 'response', statusCode: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null };
  } catch (error) {
    return { kind: 'error', error: describeError(error, timeout.aborted, input.timeoutMs) };
  }
}

function post(url: URL, headers: Record<string, string>, body: string, options: { lookup: LookupFunction; signal: AbortSignal }): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.lookup,
        signal: options.signal,
        // One connection per attempt: a pooled socket would skip the lookup (and the guard).
        agent: false,
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

function describeError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (error instanceof ForbiddenWebhookTargetError) return `refused by the SSRF guard: ${error.message}`;
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  if (error instanceof Error) {
    if (error.name === 'AbortError') return 'aborted (service shutting down)';
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message}: ${code}` : error.message;
  }
  return String(error);
}
