// The LivegateClient over a remote Livegate's REST API (`livegate mcp --url URL`), so the stdio
// server behaves the same whether the store is embedded or on another machine. Errors come back
// as the same AppError codes the in-process services throw.
import type { JSONWebKeySet } from 'jose';
import { AppError, ERROR_TABLE, type ErrorCode } from '../errors.ts';
import type { CheckInfo } from '../policies/checks.ts';
import type { PolicyViewT } from '../policies/service.ts';
import type { SessionCreatedView, SessionResultView, SessionStatus } from '../sessions/schemas.ts';
import type { AttestationStatusView, HealthView, LivegateClient, Review, Whoami } from './client.ts';
import { pollingWait, pollingWatch } from './polling.ts';

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface RemoteClientOptions {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  pollIntervalMs?: number;
  watchIntervalMs?: number;
}

export function createRemoteClient(options: RemoteClientOptions): LivegateClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new AppError('service_unavailable', `Cannot reach Livegate at ${base}: ${(cause as Error).message}.`, {
        hint: 'Check the --url and that the server is running and reachable from here.',
        cause,
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const error = (json as { error?: { code?: string; message?: string; hint?: string; details?: Record<string, unknown> } } | undefined)?.error;
    const code = (error?.code && error.code in ERROR_TABLE ? error.code : res.status === 429 ? 'rate_limited' : 'service_unavailable') as ErrorCode;
    throw new AppError(code, error?.message ?? `Livegate at ${base} answered ${res.status} to ${method} ${path}.`, {
      hint: error?.hint,
      details: error?.details,
    });
  }

  const sid = (id: string) => encodeURIComponent(id);

  const getStatus = (id: string) => call<SessionStatus>('GET', `/v1/sessions/${sid(id)}`);
  const waitForTerminal = pollingWait(getStatus, options.pollIntervalMs);
  const watchSession = pollingWatch(getStatus, options.watchIntervalMs);

  const client: LivegateClient = {
    whoami: () => call<Whoami>('GET', '/v1/whoami'),
    health: () => call<HealthView>('GET', '/healthz'),
    createSession: (input) => call<SessionCreatedView>('POST', '/v1/sessions', input),
    getStatus,
    getResult: (id) => call<SessionResultView>('GET', `/v1/sessions/${sid(id)}/result`),
    cancel: (id, reason) => call('POST', `/v1/sessions/${sid(id)}/cancel`, reason === undefined ? {} : { reason }),
    waitForTerminal: (id, waitMs, onChange, signal) => waitForTerminal(id, waitMs, onChange, signal),
    watchSession: (id, onChange) => watchSession(id, onChange),
    listPolicies: async () => (await call<{ policies: PolicyViewT[] }>('GET', '/v1/policies')).policies,
    getPolicy: (id) => call<PolicyViewT>('GET', `/v1/policies/${encodeURIComponent(id)}`),
    createPolicy: (input) => call<PolicyViewT>('POST', '/v1/policies', input),
    updatePolicy: (id, input) => call<PolicyViewT>('PATCH', `/v1/policies/${encodeURIComponent(id)}`, input),
    listChecks: async () => (await call<{ checks: CheckInfo[] }>('GET', '/v1/checks')).checks,
    jwks: () => call<JSONWebKeySet>('GET', '/.well-known/jwks.json'),
    attestationStatus: (jti) => call<AttestationStatusView>('GET', `/v1/attestations/${encodeURIComponent(jti)}`),
    addReview: (id, input) => call<Review>('POST', `/v1/sessions/${sid(id)}/reviews`, input),
    listReviews: async (id) => (await call<{ reviews: Review[] }>('GET', `/v1/sessions/${sid(id)}/reviews`)).reviews,
    forgetUser: (userIdentifier) => call('DELETE', `/v1/users/${encodeURIComponent(userIdentifier)}/templates`),
  };
  return client;
}
