// A real app on a real store (SQLite file or a throwaway PostgreSQL cluster) prepared for fuzzing:
// rate limits out of the way, sessions, a policy, started capture attempts and an open MCP
// session to aim at. Requests go through app.inject() (the whole Fastify stack, no socket).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { within } from './answers.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface CaptureSlot {
  session_id: string;
  token: string;
  attempt_id: string;
  nonce: string;
}

export interface FuzzTarget {
  kind: StoreKind;
  app: FastifyInstance;
  key: string;
  /** Sessions the REST body cases aim at (they may get cancelled). */
  sessions: { session_id: string; token: string }[];
  /** Started attempts the chunk cases aim at. */
  captures: CaptureSlot[];
  policyId: string;
  mcpSessionId: string;
  inject(req: InjectRequest): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface InjectRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer | Uint8Array;
}

const UNLIMITED = { apiRateLimitPerMin: 1e9, mcpRateLimitPerMin: 1e9, captureRateLimitPerMin: 1e9 };
export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

export async function startFuzzTarget(kind: StoreKind): Promise<FuzzTarget> {
  const cluster: TestPostgres | null = kind === 'postgres' ? await startPostgres() : null;
  let t: TestApp;
  try {
    t = await createTestApp(UNLIMITED, { analyzer: false, ...(cluster ? { databaseUrl: cluster.url } : {}) });
  } catch (err) {
    await cluster?.stop();
    throw err;
  }
  const inject = (req: InjectRequest) =>
    within(30_000, `${req.method} ${req.url}`, t.app.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.payload as string | Buffer | undefined }));
  const api = async (method: InjectRequest['method'], url: string, body?: unknown) => {
    const res = await inject({ method, url, headers: { 'x-api-key': t.key, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  const newSession = async () => {
    const created = await api('POST', '/v1/sessions', { action_description: 'Approve: fuzz target', timeout: 600 });
    return { session_id: created.session_id as string, token: new URL(created.verification_url).hash.slice(1) };
  };
  const sessions = await Promise.all(Array.from({ length: 4 }, newSession));
  const captures: CaptureSlot[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await newSession();
    const res = await inject({
      method: 'POST',
      url: `/v1/capture/${s.session_id}/start`,
      headers: { authorization: `Capture ${s.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ device_profile: { capture: { width: 640, height: 480 } } }),
    });
    if (res.statusCode !== 200) throw new Error(`capture start: ${res.statusCode} ${res.body}`);
    const started = res.json();
    captures.push({ ...s, attempt_id: started.attempt_id, nonce: started.nonce });
  }
  const policy = await api('POST', '/v1/policies', { name: 'fuzz policy', config: { risk_level: 'standard' } });

  const init = await inject({
    method: 'POST',
    url: '/mcp',
    headers: { ...MCP_HEADERS, 'x-api-key': t.key },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }),
  });
  const mcpSessionId = init.headers['mcp-session-id'];
  if (init.statusCode !== 200 || typeof mcpSessionId !== 'string') throw new Error(`MCP initialize: ${init.statusCode} ${init.body}`);
  await inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, 'x-api-key': t.key, 'mcp-session-id': mcpSessionId }, payload: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });

  return {
    kind,
    app: t.app,
    key: t.key,
    sessions,
    captures,
    policyId: policy.policy_id,
    mcpSessionId,
    inject,
    async close() {
      await t.close();
      await cluster?.stop();
    },
  };
}
