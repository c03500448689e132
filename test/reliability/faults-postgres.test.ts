// Faults on PostgreSQL: the database restarted under load (the server recovers by itself; the
// requests caught by the outage get 503 service_unavailable with Retry-After, never a hang or a
// 500), and two `livegate start` instances on one database (every webhook delivered once; an MCP
// wait_for_verification on instance A wakes when instance B completes the session).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startLivegateProcess, type LivegateProcess } from './lib/livegate-process.ts';
import { ackingReceiver, api, createSession, registerWebhook, until } from './lib/ops.ts';
import { loadRecording, percentile, replayCapture, type Recording } from './lib/replay.ts';
import { FULL, recordFigures, scale } from './lib/scale.ts';

let cluster: TestPostgres;
let dataDir: string;
let a: LivegateProcess;
let b: LivegateProcess | null = null;
let key: string;
let recording: Recording;

beforeAll(async () => {
  recording = await loadRecording();
  cluster = await startPostgres();
  dataDir = mkdtempSync(join(tmpdir(), 'livegate-pg-faults-'));
  a = await startLivegateProcess({ dataDir, databaseUrl: cluster.url });
  key = a.firstKey!;
}, 300_000);
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Sample {
  at: number;
  ms: number;
  status: number;
  code: string | null;
  retryAfter: string | null;
  error: string | null;
}

describe('PostgreSQL restarted under load', () => {
  it('in-flight requests get 503 service_unavailable (retryable), none hangs or 500s, and the server recovers by itself', async () => {
    const loops = scale(6, 24);
    const downMs = scale(2_000, 5_000);
    const samples: Sample[] = [];
    let running = true;
    const one = async (method: string, path: string, body?: unknown) => {
      const t0 = performance.now();
      const sample: Sample = { at: Date.now(), ms: 0, status: 0, code: null, retryAfter: null, error: null };
      try {
        // 20 s: well past the pool's 10 s connection timeout; a request still open then is a hang.
        const res = await fetch(a.origin + path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(20_000) });
        sample.status = res.status;
        sample.retryAfter = res.headers.get('retry-after');
        const json = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
        sample.code = json?.error?.code ?? null;
      } catch (err) {
        sample.error = (err as Error).name;
      }
      sample.ms = performance.now() - t0;
      samples.push(sample);
      return sample;
    };
    const probe = await createSession(a.origin, key);
    const worker = async () => {
      while (running) {
        await one('POST', '/v1/sessions', { action_description: 'Approve: during a database restart' });
        await one('GET', `/v1/sessions/${probe.session_id}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const workers = Array.from({ length: loops }, worker);
    await new Promise((r) => setTimeout(r, 2_000));
    const downAt = Date.now();
    await cluster.restart(downMs);
    const upAt = Date.now();
    await new Promise((r) => setTimeout(r, scale(4_000, 10_000)));
    running = false;
    await Promise.all(workers);

    const failures = samples.filter((s) => s.status !== 200 && s.status !== 201);
    const firstOkAfterUp = samples.filter((s) => s.at >= upAt && (s.status === 200 || s.status === 201)).map((s) => s.at)[0] ?? null;
    const tail = samples.filter((s) => s.at > Date.now() - 2_000);
    // The same process recovered: still alive, never restarted.
    const alive = (() => {
      try {
        process.kill(a.pid, 0);
        return true;
      } catch {
        return false;
      }
    })();
    const figures = {
      loops,
      database_down_ms: upAt - downAt,
      requests: samples.length,
      ok: samples.length - failures.length,
      service_unavailable_503: failures.filter((s) => s.status === 503).length,
      other_failures: failures.filter((s) => s.status !== 503).length,
      hangs: samples.filter((s) => s.error !== null).length,
      max_latency_ms: Math.round(Math.max(...samples.map((s) => s.ms))),
      p99_latency_ms: Math.round(percentile(samples.map((s) => s.ms), 99) ?? 0),
      recovered_ms_after_database_up: firstOkAfterUp === null ? null : firstOkAfterUp - upAt,
      same_process: alive,
    };
    recordFigures('faults', { 'postgres/database_restart_under_load': figures });

    expect(samples.filter((s) => s.error !== null)).toEqual([]); // no hang, no reset connection
    expect(failures.length, 'the outage was felt').toBeGreaterThan(0);
    for (const f of failures) {
      expect(f.status).toBe(503);
      expect(f.code).toBe('service_unavailable');
      expect(f.retryAfter).toMatch(/^\d+$/);
    }
    expect(firstOkAfterUp).not.toBeNull();
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.every((s) => s.status === 200 || s.status === 201), JSON.stringify(tail.filter((s) => s.status >= 300).slice(0, 3))).toBe(true);
    expect(alive).toBe(true);
    expect(a.output()).not.toMatch(/EADDRINUSE|Unhandled|uncaught/i);
    expect((await api(a.origin, key, 'GET', '/healthz')).status).toBe(200);
  }, 180_000);
});

describe('two livegate start instances on one PostgreSQL', () => {
  beforeAll(async () => {
    // The same data dir: the instances share whatever the server keeps beside the database.
    b = await startLivegateProcess({ dataDir, databaseUrl: cluster.url });
    expect(b.firstKey).toBeNull(); // the tenant and its key already exist
  }, 300_000);

  it('an MCP wait_for_verification on A wakes when B completes the session (a real capture on B)', async () => {
    const client = new Client({ name: 'two-instances', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${a.origin}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    try {
      const created = (await client.callTool({ name: 'verify_human_presence', arguments: { action_description: 'Approve: two instances' } })) as CallToolResult;
      const { session_id, verification_url } = created.structuredContent as { session_id: string; verification_url: string };
      const waiting = client.callTool({ name: 'wait_for_verification', arguments: { session_id, timeout_s: 50 } }, undefined, { timeout: 70_000 }).then((r) => ({ r: r as CallToolResult, at: performance.now() }));
      // The person's page talks to instance B.
      const outcome = await replayCapture({ origin: b!.origin, session_id, token: new URL(verification_url).hash.slice(1) }, recording);
      const finishedAt = performance.now();
      expect(outcome.error).toBeNull();
      const { r, at } = await waiting;
      const waited = r.structuredContent as { status: string; timed_out: boolean; verdict?: string };
      expect(waited).toMatchObject({ status: outcome.status, timed_out: false });
      recordFigures('faults', { 'postgres/two_instances_wait': { wait_on: 'A', completed_on: 'B', status: waited.status, verdict: waited.verdict ?? null, woke_ms_after_finish: Math.max(0, Math.round(at - finishedAt)) } });
    } finally {
      await client.close();
    }
  }, 180_000);

  it('sessions created on one instance and ended on the other: every webhook delivered exactly once', async () => {
    const hooks = await ackingReceiver();
    try {
      await registerWebhook(a.origin, key, hooks.receiver);
      const n = scale(10, 40);
      const instances = [a, b!];
      const sessions = await Promise.all(Array.from({ length: n }, (_, i) => createSession(instances[i % 2].origin, key)));
      await Promise.all(sessions.map(({ session_id }, i) => api(instances[(i + 1) % 2].origin, key, 'POST', `/v1/sessions/${session_id}/cancel`, {}).then((res) => expect(res.status).toBe(200))));
      await until('every event acknowledged', () => hooks.acked.size >= n, 60_000);
      await new Promise((r) => setTimeout(r, 3_000)); // both delivery loops and sweepers keep running: no duplicate may appear
      const ids = new Set(hooks.receiver.received.map((r) => (r.payload as { data: { session_id: string } }).data.session_id));
      expect(ids).toEqual(new Set(sessions.map((s) => s.session_id)));
      expect(hooks.receiver.received).toHaveLength(n);
      expect([...hooks.acked.values()].every((c) => c === 1)).toBe(true);
      recordFigures('faults', { 'postgres/two_instances_webhooks': { events: n, delivered: hooks.acked.size, delivered_twice: [...hooks.acked.values()].filter((c) => c > 1).length, requests_received: hooks.receiver.received.length, full: FULL } });
    } finally {
      await hooks.close();
    }
  }, 180_000);
});
