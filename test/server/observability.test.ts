// Readiness and Prometheus metrics through the real app: /readyz names what is missing, and
// /metrics exposes sessions, chunks, verdict latency per stage, analysis queue depth, MCP tool
// calls, webhook outcomes and rate-limit refusals after a real flow (capture API with the real
// analyzer and models, the real MCP client over HTTP, a real webhook receiver).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureChunk } from '../../workers/codec/index.ts';
import { stubChunk } from '../helpers/stub-chunk.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { SHARED_MODELS } from '../helpers/livegate-server.ts';
import { startReceiver, type Receiver } from './webhooks/receiver.ts';
import { existsSync } from 'node:fs';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { testSecrets } from '../helpers/kek.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = existsSync(path.join(ROOT, 'models/face_landmarker.task')) ? path.join(ROOT, 'models') : SHARED_MODELS;

/** Value of one series (name and labels as in the exposition), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/readyz', () => {
  it('is 503 naming the models while the models directory is empty; /healthz stays 200', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'livegate-no-models-'));
    const t = await createTestApp({ modelsDir: empty }, { analyzer: false });
    try {
      expect((await t.app.inject('/healthz')).statusCode).toBe(200);
      const res = await t.app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      const body = res.json();
      expect(body).toMatchObject({ status: 'not_ready', failing: ['models'], error: { code: 'not_ready' } });
      expect(body.checks.models.detail).toContain('face_landmarker.task');
      expect(body.checks.store.ok).toBe(true);
      expect(body.checks.migrations.ok).toBe(true);
    } finally {
      await t.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('is 503 naming a model file whose content changed (same size, other sha256)', async () => {
    const modified = mkdtempSync(path.join(tmpdir(), 'livegate-modified-models-'));
    for (const file of readdirSync(MODELS).filter((f) => /\.(onnx|task)$/.test(f))) copyFileSync(path.join(MODELS, file), path.join(modified, file));
    const t = await createTestApp({ modelsDir: modified }, { analyzer: false });
    try {
      expect((await t.app.inject('/readyz')).statusCode).toBe(200);
      const target = path.join(modified, 'face_detection_front_128x128_barracuda.onnx');
      const bytes = readFileSync(target);
      bytes[100] ^= 0xff;
      writeFileSync(target, bytes);
      const res = await t.app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ failing: ['models'], checks: { models: { detail: expect.stringContaining('sha256 mismatch') } } });
      expect(res.json().checks.models.detail).toContain('face_detection_front_128x128_barracuda.onnx');
    } finally {
      await t.close();
      rmSync(modified, { recursive: true, force: true });
    }
  });

  it('is 200 with the models in place, and 503 naming the store once the database is gone', async () => {
    const t = await createTestApp({ modelsDir: MODELS }, { analyzer: false });
    try {
      const ok = await t.app.inject('/readyz');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'ready', checks: { models: { ok: true }, store: { ok: true }, migrations: { ok: true } } });
      await t.store.close();
      const gone = await t.app.inject('/readyz');
      expect(gone.statusCode).toBe(503);
      expect(gone.json().failing).toEqual(['store', 'migrations']);
    } finally {
      await t.app.close();
      rmSync(t.dataDir, { recursive: true, force: true });
    }
  });
});

describe('/metrics', () => {
  let t: TestApp;
  let receiver: Receiver;
  let origin: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    // The real analyzer (worker pool, models); receivers on loopback allowed for the test receiver.
    t = await createTestApp({ modelsDir: MODELS, webhookAllowPrivate: true, apiRateLimitPerMin: 10_000 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const scrape = async (key = t.key) => t.app.inject({ url: '/metrics', headers: { 'x-api-key': key } });

  it('needs an API key with the metrics:read scope (a key without scopes has it)', async () => {
    expect((await t.app.inject('/metrics')).statusCode).toBe(401);
    const narrow = await t.keyWith(['session:read']);
    const refused = await scrape(narrow);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'insufficient_scope', details: { required_scope: 'metrics:read' } });
    const scoped = await scrape(await t.keyWith(['metrics:read']));
    expect(scoped.statusCode).toBe(200);
    expect(scoped.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('exposes sessions, chunks, verdict latency per stage, MCP calls and webhook outcomes after a real flow', async () => {
    const hook = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': t.key }, payload: { url: receiver.url, events: ['session.completed'] } });
    expect(hook.statusCode).toBe(201);
    receiver.setSecret(hook.json().secret);

    // A capture through the capture API, analysed by the real analyzer.
    const created = (await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: rotate the production keys' } })).json();
    const token = String(created.verification_url).split('#')[1];
    const headers = { authorization: `Capture ${token}` };
    const plan = (await t.app.inject({ method: 'POST', url: `/v1/capture/${created.session_id}/start`, headers, payload: { device_profile: { capture: { width: 640, height: 480 } } } })).json();
    const base = { session_id: created.session_id, attempt_id: plan.attempt_id, nonce: plan.nonce };
    let bytes = 0;
    for (const seq of [0, 1]) {
      const body = Buffer.from(encodeCaptureChunk(stubChunk(base, seq)));
      bytes += body.length;
      const res = await t.app.inject({ method: 'POST', url: `/v1/capture/${created.session_id}/chunk`, headers: { ...headers, 'content-type': 'application/cbor' }, payload: body });
      expect(res.statusCode).toBe(200);
    }
    const finish = await t.app.inject({ method: 'POST', url: `/v1/capture/${created.session_id}/finish`, headers, payload: { attempt_id: plan.attempt_id, chunk_count: 2 } });
    expect(finish.statusCode).toBe(200);
    // Placeholder crops and landmarks: the real analysis decides spoof (integrity checks).
    expect(finish.json()).toMatchObject({ status: 'completed', verdict: 'spoof' });

    // The real MCP client over HTTP: one call that succeeds, one that fails with a Livegate code.
    const client = new Client({ name: 'metrics-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers: { authorization: `Bearer ${t.key}` } } }));
    try {
      const mcpSession = await client.callTool({ name: 'verify_human_presence', arguments: { action_description: 'Approve: deploy release 4.2' } });
      expect(mcpSession.isError).toBeFalsy();
      const missing = await client.callTool({ name: 'check_verification_status', arguments: { session_id: 'ses_doesnotexist0000000000' } });
      expect(missing.isError).toBe(true);
      // A session completed with a verdict, its webhook delivered to the receiver.
      const id = (mcpSession.structuredContent as { session_id: string }).session_id;
      await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    } finally {
      await client.close();
    }
    await t.app.services.webhooks.drain();
    // session.completed of the captured session and of the MCP one.
    expect(receiver.received).toHaveLength(2);

    const res = await scrape();
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(sample(text, 'livegate_sessions{status="completed",verdict="live"}')).toBe(1);
    expect(sample(text, 'livegate_sessions{status="completed",verdict="spoof"}')).toBe(1);
    expect(sample(text, 'livegate_capture_chunks_total')).toBe(2);
    expect(sample(text, 'livegate_capture_chunk_bytes_total')).toBe(bytes);
    expect(sample(text, 'livegate_verdict_latency_seconds_count{stage="total"}')).toBe(1);
    // The analyzer's own stages, as it reports them with the attempt's result.
    for (const stage of ['worker_total', 'integrity', 'cnn']) expect(sample(text, `livegate_verdict_latency_seconds_count{stage="${stage}"}`), stage).toBe(1);
    expect(sample(text, 'livegate_analysis_queue_depth')).toBe(0);
    expect(sample(text, 'livegate_analyses_total{status="completed"}')).toBe(1);
    expect(sample(text, 'livegate_mcp_tool_calls_total{tool="verify_human_presence",code="ok"}')).toBe(1);
    expect(sample(text, 'livegate_mcp_tool_calls_total{tool="check_verification_status",code="session_not_found"}')).toBe(1);
    expect(sample(text, 'livegate_webhook_deliveries_total{outcome="delivered"}')).toBe(2);
    expect(text).toContain('# TYPE livegate_rate_limit_refusals_total counter');
    expect(text).toContain('# TYPE livegate_process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE livegate_nodejs_eventloop_lag_seconds gauge');
  }, 120_000);

  it('counts rate-limit refusals by scope', async () => {
    const tight = await createTestApp({ apiRateLimitPerMin: 2 }, { analyzer: false });
    try {
      for (let i = 0; i < 3; i++) await tight.app.inject({ url: '/v1/whoami', headers: { 'x-api-key': tight.key } });
      // A scrape through the API would be over the budget too: read the registry directly.
      const { body } = await tight.app.services.metrics.render();
      expect(sample(body, 'livegate_rate_limit_refusals_total{scope="api"}')).toBe(1);
    } finally {
      await tight.close();
    }
  });
});

describe('on PostgreSQL', () => {
  let cluster: TestPostgres;
  let t: TestApp;
  beforeAll(async () => {
    cluster = await startPostgres();
    t = await createTestApp({ modelsDir: MODELS }, { analyzer: false, databaseUrl: cluster.url, secrets: testSecrets() });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('/readyz reads the schema version and /metrics the sessions from PostgreSQL', async () => {
    expect((await t.app.inject('/readyz')).json()).toMatchObject({ status: 'ready', checks: { store: { ok: true, detail: 'postgres answers' }, migrations: { ok: true } } });
    for (let i = 0; i < 2; i++) {
      await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: `Approve: step ${i}` } });
    }
    const text = (await t.app.inject({ url: '/metrics', headers: { 'x-api-key': t.key } })).body;
    expect(sample(text, 'livegate_sessions{status="pending",verdict="none"}')).toBe(2);
  });
});

