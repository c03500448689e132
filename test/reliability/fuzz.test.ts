// Property-based fuzzing of every input boundary, on SQLite and on PostgreSQL: REST bodies,
// headers and path parameters, MCP JSON-RPC over HTTP /mcp, and CBOR evidence chunks.
// Property: never a 5xx, never a hang, every error in the project's error shape, and the server
// still healthy afterwards. Small counts in the normal run, >= 10,000 cases under
// `npm run test:reliability` (LIVEGATE_RELIABILITY=full).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../server/errors.ts';
import { ERROR_META_KEY } from '../../server/mcp/results.ts';
import { contractBreach, type Answer } from './lib/answers.ts';
import { bodyCase, bodyText, chunkBody, headerCase, mcpMessage, pathParam, type BodyCase } from './lib/arbitraries.ts';
import { MCP_HEADERS, startFuzzTarget, type FuzzTarget, type InjectRequest, type StoreKind } from './lib/fuzz-target.ts';
import { FULL, recordFigures, scale } from './lib/scale.ts';

const CASES = {
  bodies: scale(60, 2_400),
  headers: scale(30, 800),
  paths: scale(40, 1_000),
  mcp: scale(30, 800),
  chunks: scale(40, 1_000),
};
const TIMEOUT = FULL ? 900_000 : 120_000;

interface Tally {
  cases: number;
  five_xx: number;
  statuses: Record<string, number>;
}

const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);

/** Runs `numRuns` cases; each request's answer must keep the contract. */
async function fuzz<T>(tally: Tally, arb: fc.Arbitrary<T>, numRuns: number, request: (c: T) => Promise<{ answer: Answer; mcp?: boolean; extra?: (a: Answer) => string | null }>) {
  await fc.assert(
    fc.asyncProperty(arb, async (c) => {
      const { answer, mcp, extra } = await request(c);
      tally.cases++;
      tally.statuses[answer.statusCode] = (tally.statuses[answer.statusCode] ?? 0) + 1;
      if (answer.statusCode >= 500) tally.five_xx++;
      const breach = contractBreach(answer, { mcp }) ?? extra?.(answer) ?? null;
      if (breach) throw new Error(breach);
    }),
    { numRuns, endOnFailure: true },
  );
}

const figures: Record<string, Tally> = {};
const tallyOf = (kind: StoreKind, area: string): Tally => (figures[`${kind}/${area}`] ??= { cases: 0, five_xx: 0, statuses: {} });

beforeAll(() => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
afterAll(() => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  const total = Object.values(figures).reduce((n, t) => n + t.cases, 0);
  const fiveXx = Object.values(figures).reduce((n, t) => n + t.five_xx, 0);
  recordFigures('fuzz', { cases: total, five_xx: fiveXx, crashes: crashes.length, by_area: figures });
});

describe.each(['sqlite', 'postgres'] as const)('fuzz on %s', (kind) => {
  let t: FuzzTarget;
  beforeAll(async () => {
    t = await startFuzzTarget(kind);
  }, 120_000);
  afterAll(async () => {
    // Still healthy: a real request after all the abuse, and nothing crashed the process.
    if (t) {
      const health = await t.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      await t.close();
    }
    expect(crashes).toEqual([]);
  });

  const auth = () => ({ 'x-api-key': t.key });
  const captureAuth = (token: string) => ({ authorization: `Capture ${token}` });

  /** Endpoints that take a JSON body, with a valid body to mutate. */
  function bodyTargets(): { method: InjectRequest['method']; url: string; headers: Record<string, string>; valid: Record<string, unknown> }[] {
    const s = t.sessions[0];
    const c = t.sessions[1];
    return [
      {
        method: 'POST',
        url: '/v1/sessions',
        headers: auth(),
        valid: {
          action_description: 'Approve: pay $10',
          action_details: { amount: 10 },
          risk_level: 'standard',
          frame_count: 10,
          timeout: 300,
          user_identifier: 'u-1',
          audience: 'rp',
          nonce: 'n-1',
          metadata: { k: 'v' },
          policy: { max_attempts: 2, success_redirect_url: 'https://example.com/ok' },
        },
      },
      { method: 'POST', url: '/v1/policies', headers: auth(), valid: { name: 'p', config: { risk_level: 'high', thresholds: { min_score: 70 }, max_attempts: 2 } } },
      { method: 'PATCH', url: `/v1/policies/${t.policyId}`, headers: auth(), valid: { name: 'q', config: { timeout_s: 120, failure_redirect_url: 'https://example.com/no' } } },
      { method: 'POST', url: '/v1/webhooks', headers: auth(), valid: { url: 'https://hooks.example.com/livegate', events: ['session.completed'] } },
      { method: 'POST', url: `/v1/sessions/${s.session_id}/cancel`, headers: auth(), valid: { reason: 'fuzz' } },
      { method: 'POST', url: `/v1/sessions/${s.session_id}/audit`, headers: auth(), valid: { note: 'checked' } },
      { method: 'POST', url: `/v1/sessions/${s.session_id}/reviews`, headers: auth(), valid: { message: 'ok', decision: 'approved' } },
      { method: 'POST', url: `/v1/attestations/${s.session_id}/revoke`, headers: auth(), valid: { reason: 'fuzz' } },
      { method: 'POST', url: `/v1/capture/${c.session_id}/start`, headers: captureAuth(c.token), valid: { device_profile: { capture: { width: 640, height: 480 }, ua: 'x' } } },
      {
        method: 'POST',
        url: `/v1/capture/${c.session_id}/finish`,
        headers: captureAuth(c.token),
        valid: { attempt_id: crypto.randomUUID(), chunk_count: 3, client_summary: { heart_rate_bpm: 70 } },
      },
    ];
  }

  it('REST and capture JSON bodies', async () => {
    const targets = bodyTargets();
    const arb = fc
      .integer({ min: 0, max: targets.length - 1 })
      .chain((i) => fc.record({ i: fc.constant(i), body: bodyCase(Object.keys(targets[i].valid)), contentType: fc.oneof({ weight: 9, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/cbor', 'application/json;;') }) }));
    await fuzz(tallyOf(kind, 'rest bodies'), arb, CASES.bodies, async ({ i, body, contentType }: { i: number; body: BodyCase; contentType: string }) => {
      const target = targets[i];
      const res = await t.inject({ method: target.method, url: target.url, headers: { ...target.headers, 'content-type': contentType }, payload: bodyText(target.valid, body) });
      return { answer: res };
    });
  }, TIMEOUT);

  it('headers', async () => {
    const s = t.sessions[2];
    const targets: { method: InjectRequest['method']; url: string; body?: string; capture?: boolean; mcp?: boolean }[] = [
      { method: 'POST', url: '/v1/sessions', body: JSON.stringify({ action_description: 'Approve: header fuzz' }) },
      { method: 'GET', url: `/v1/sessions/${s.session_id}` },
      { method: 'GET', url: '/v1/whoami' },
      { method: 'GET', url: '/v1/policies' },
      { method: 'GET', url: `/v1/capture/${s.session_id}`, capture: true },
      { method: 'POST', url: '/mcp', body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }), mcp: true },
      { method: 'GET', url: '/.well-known/jwks.json' },
    ];
    const arb = fc.record({ i: fc.integer({ min: 0, max: targets.length - 1 }), h: headerCase });
    await fuzz(tallyOf(kind, 'headers'), arb, CASES.headers, async ({ i, h }) => {
      const target = targets[i];
      const secret = target.capture ? s.token : t.key;
      const presented = h.auth === 'valid' ? secret : h.auth === 'mangled' ? secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A') : h.auth === 'random' ? (h.headers['x-request-id'] ?? 'junk') : null;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(target.mcp ? { ...MCP_HEADERS, 'mcp-session-id': t.mcpSessionId } : {}) };
      if (presented !== null) {
        const scheme = target.capture ? 'Capture' : 'Bearer';
        if (h.authHeader !== 'x-api-key' || target.capture) headers.authorization = `${scheme} ${presented}`;
        if (h.authHeader !== 'authorization' && !target.capture) headers['x-api-key'] = presented;
      }
      Object.assign(headers, h.headers);
      const res = await t.inject({ method: target.method, url: target.url, headers, payload: target.body });
      return { answer: res, mcp: target.mcp };
    });
  }, TIMEOUT);

  it('path parameters and query strings', async () => {
    const templates: { method: InjectRequest['method']; path: (p: string) => string; body?: string; capture?: boolean; cbor?: boolean }[] = [
      { method: 'GET', path: (p) => `/v1/sessions/${p}` },
      { method: 'GET', path: (p) => `/v1/sessions/${p}/result` },
      { method: 'GET', path: (p) => `/v1/sessions/${p}/audit` },
      { method: 'GET', path: (p) => `/v1/sessions/${p}/reviews` },
      { method: 'GET', path: (p) => `/v1/sessions/${p}/wait?timeout_s=0` },
      { method: 'GET', path: (p) => `/v1/sessions/${t.sessions[3].session_id}/wait?timeout_s=${p}` },
      { method: 'POST', path: (p) => `/v1/sessions/${p}/cancel`, body: '{}' },
      { method: 'GET', path: (p) => `/v1/policies/${p}` },
      { method: 'PATCH', path: (p) => `/v1/policies/${p}`, body: '{"name":"x"}' },
      { method: 'DELETE', path: (p) => `/v1/webhooks/${p}` },
      { method: 'GET', path: (p) => `/v1/attestations/${p}` },
      { method: 'POST', path: (p) => `/v1/attestations/${p}/revoke`, body: '{}' },
      { method: 'GET', path: (p) => `/v1/capture/${p}`, capture: true },
      { method: 'POST', path: (p) => `/v1/capture/${p}/start`, body: '{}', capture: true },
      { method: 'POST', path: (p) => `/v1/capture/${p}/chunk`, capture: true, cbor: true },
      { method: 'GET', path: (p) => `/s/${p}` },
      { method: 'GET', path: (p) => `/v1/${p}` },
      { method: 'GET', path: (p) => `/mcp?${p}` },
    ];
    const arb = fc.record({ i: fc.integer({ min: 0, max: templates.length - 1 }), p: pathParam });
    await fuzz(tallyOf(kind, 'path parameters'), arb, CASES.paths, async ({ i, p }) => {
      const tpl = templates[i];
      const headers: Record<string, string> = tpl.capture
        ? { authorization: `Capture ${t.sessions[3].token}`, 'content-type': tpl.cbor ? 'application/cbor' : 'application/json' }
        : { ...auth(), 'content-type': 'application/json' };
      const res = await t.inject({ method: tpl.method, url: tpl.path(p), headers, payload: tpl.cbor ? Buffer.from([0xa0]) : tpl.body });
      return { answer: res, mcp: tpl.path(p).startsWith('/mcp') };
    });
  }, TIMEOUT);

  it('MCP JSON-RPC messages over HTTP /mcp', async () => {
    await fuzz(tallyOf(kind, 'mcp json-rpc'), mcpMessage, CASES.mcp, async (message) => {
      const res = await t.inject({ method: 'POST', url: '/mcp', headers: { ...MCP_HEADERS, 'x-api-key': t.key, 'mcp-session-id': t.mcpSessionId }, payload: JSON.stringify(message) ?? 'null' });
      return { answer: res, mcp: true, extra: mcpPayloadBreach };
    });
  }, TIMEOUT);

  it('CBOR evidence chunks', async () => {
    const slot = () => t.captures[Math.floor(Math.random() * t.captures.length)];
    let current = t.captures[0];
    const arb = chunkBody(() => {
      current = slot();
      return { session_id: current.session_id, attempt_id: current.attempt_id, nonce: current.nonce };
    });
    await fuzz(tallyOf(kind, 'cbor chunks'), arb, CASES.chunks, async (bytes) => {
      const res = await t.inject({ method: 'POST', url: `/v1/capture/${current.session_id}/chunk`, headers: { authorization: `Capture ${current.token}`, 'content-type': 'application/cbor' }, payload: Buffer.from(bytes) });
      current = t.captures[0];
      return { answer: res };
    });
  }, TIMEOUT);
});

/**
 * The JSON-RPC inside a 200 from /mcp (JSON or SSE): no internal errors (-32603), and failed tool
 * calls carry the project's error (code, message, hint) in `_meta`.
 */
function mcpPayloadBreach(answer: Answer): string | null {
  if (answer.statusCode !== 200) return null;
  const messages: unknown[] = [];
  const type = String(answer.headers['content-type'] ?? '');
  try {
    if (type.includes('text/event-stream')) {
      for (const line of answer.body.split('\n')) if (line.startsWith('data:') && line.slice(5).trim()) messages.push(JSON.parse(line.slice(5)));
    } else if (answer.body.trim()) {
      const parsed = JSON.parse(answer.body);
      messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    }
  } catch {
    return `unparseable MCP answer: ${answer.body.slice(0, 200)}`;
  }
  for (const m of messages as { error?: { code?: number }; result?: { isError?: boolean; _meta?: Record<string, { code?: string; hint?: string; message?: string }> } }[]) {
    if (m.error?.code === -32603) return `JSON-RPC internal error: ${JSON.stringify(m).slice(0, 300)}`;
    if (m.result?.isError) {
      const e = m.result._meta?.[ERROR_META_KEY];
      if (!e || typeof e.code !== 'string' || !(e.code in ERROR_TABLE) || e.code === 'internal_error' || !e.message || !e.hint) {
        return `tool error without the error shape: ${JSON.stringify(m).slice(0, 300)}`;
      }
    }
  }
  return null;
}
