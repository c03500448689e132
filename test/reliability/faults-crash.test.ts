// Faults, crashes: `kill -9` of a real `livegate start` mid-capture and mid-webhook-delivery, on
// SQLite and on PostgreSQL, then a restart on the same data. Nothing is lost: the sessions, the
// attempt and its acknowledged chunks are still there and the capture finishes; every webhook
// event is acknowledged by the receiver exactly once.
// The normal run does the SQLite mid-capture crash; `npm run test:reliability` does all four.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureChunk } from '../../workers/codec/index.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startLivegateProcess, type LivegateProcess } from './lib/livegate-process.ts';
import { ackingReceiver, api, apiJson, createSession, registerWebhook, until } from './lib/ops.ts';
import { loadRecording, type Recording } from './lib/replay.ts';
import { FULL, recordFigures } from './lib/scale.ts';

const STORES = FULL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
let recording: Recording;
beforeAll(async () => {
  recording = await loadRecording();
}, 300_000);

describe.each(STORES)('kill -9 of livegate start on %s', (kind) => {
  let cluster: TestPostgres | null = null;
  let dataDir: string;
  let server: LivegateProcess | null = null;
  let key: string;
  const start = async () => {
    server = await startLivegateProcess({ dataDir, ...(cluster ? { databaseUrl: cluster.url } : {}) });
    return server;
  };

  beforeAll(async () => {
    cluster = kind === 'postgres' ? await startPostgres() : null;
    dataDir = mkdtempSync(join(tmpdir(), `livegate-crash-${kind}-`));
    key = (await start()).firstKey!;
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('mid-capture: sessions, the attempt and its acknowledged chunks survive, and the capture finishes after the restart', async () => {
    const s = server!;
    const sessions = await Promise.all(Array.from({ length: 10 }, () => createSession(s.origin, key)));
    const target = sessions[0];
    const capture = (origin: string, path: string, body: unknown, type = 'application/json') =>
      fetch(`${origin}/v1/capture/${target.session_id}${path}`, {
        method: 'POST',
        headers: { authorization: `Capture ${target.token}`, 'content-type': type },
        body: body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
      });
    const startRes = await capture(s.origin, '/start', { device_profile: recording.recorded.attempt.device_profile ?? {} });
    expect(startRes.status).toBe(200);
    const { attempt_id, nonce } = (await startRes.json()) as { attempt_id: string; nonce: string };
    const startedAt = Date.now();
    const bodies = recording.chunks.map((c) => encodeCaptureChunk({ ...c, session_id: target.session_id, attempt_id, nonce }));
    const half = Math.floor(bodies.length / 2);
    for (const body of bodies.slice(0, half)) expect((await capture(s.origin, '/chunk', body, 'application/cbor')).status).toBe(200);
    // One more chunk in flight when the process dies.
    const inFlight = capture(s.origin, '/chunk', bodies[half], 'application/cbor').catch(() => null);
    await s.kill9();
    await inFlight;

    const after = await start();
    for (const { session_id } of sessions) {
      const res = await api(after.origin, key, 'GET', `/v1/sessions/${session_id}`);
      expect(res.status).toBe(200);
    }
    expect((await apiJson(after.origin, key, 'GET', `/v1/sessions/${target.session_id}`)).status).toBe('in_progress');
    // The acknowledged chunks are stored: sending them again is a duplicate, not new evidence.
    for (const body of bodies.slice(0, half)) {
      const res = await capture(after.origin, '/chunk', body, 'application/cbor');
      expect(res.status).toBe(200);
      expect((await res.json()).duplicate).toBe(true);
    }
    for (const body of bodies.slice(half)) expect((await capture(after.origin, '/chunk', body, 'application/cbor')).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + recording.lastFrameMs + 50 - Date.now())));
    const finish = await capture(after.origin, '/finish', { attempt_id, chunk_count: bodies.length, client_summary: recording.recorded.attempt.client_summary ?? {} });
    expect(finish.status, await finish.clone().text()).toBe(200);
    const status = await apiJson<{ status: string; verdict?: string }>(after.origin, key, 'GET', `/v1/sessions/${target.session_id}`);
    expect(['completed', 'failed']).toContain(status.status);
    const audit = await apiJson<{ events: { type: string }[] }>(after.origin, key, 'GET', `/v1/sessions/${target.session_id}/audit`);
    expect(audit.events.filter((e) => e.type === 'capture_started')).toHaveLength(1);
    recordFigures('faults', {
      [`${kind}/kill9_mid_capture`]: { sessions: sessions.length, sessions_lost: 0, chunks_acked_before_kill: half, chunks_lost: 0, final_status: `${status.status}/${status.verdict ?? 'none'}` },
    });
  }, 300_000);

  it.runIf(FULL)('mid-delivery: every webhook event is acknowledged exactly once after the restart', async () => {
    const s = server!;
    const hooks = await ackingReceiver();
    try {
      await registerWebhook(s.origin, key, hooks.receiver);
      hooks.hold(true); // the receiver takes the requests and never answers: deliveries in flight
      const sessions = await Promise.all(Array.from({ length: 12 }, () => createSession(s.origin, key)));
      for (const { session_id } of sessions) expect((await api(s.origin, key, 'POST', `/v1/sessions/${session_id}/cancel`, { reason: 'fault test' })).status).toBe(200);
      await hooks.receiver.waitFor(1, 30_000);
      const inFlightAtKill = hooks.receiver.received.length;
      await s.kill9();
      hooks.hold(false);
      const after = await start();
      // Claimed deliveries stay locked for the request timeout plus a margin (40 s), then retry.
      await until('every event acknowledged', () => hooks.acked.size >= sessions.length, 150_000, 500);
      await new Promise((r) => setTimeout(r, 3_000)); // time for a duplicate to show up, if any
      const events = hooks.receiver.received.filter((r) => r.verifyError === null).map((r) => r.payload as { type: string; data: { session_id: string } });
      expect(new Set(events.map((e) => e.data.session_id))).toEqual(new Set(sessions.map((x) => x.session_id)));
      expect(events.every((e) => e.type === 'session.cancelled')).toBe(true);
      expect([...hooks.acked.values()].every((n) => n === 1), JSON.stringify([...hooks.acked])).toBe(true);
      expect(hooks.acked.size).toBe(sessions.length);
      expect((await api(after.origin, key, 'GET', '/healthz')).status).toBe(200);
      recordFigures('faults', {
        [`${kind}/kill9_mid_delivery`]: { events: sessions.length, requests_in_flight_at_kill: inFlightAtKill, acknowledged: hooks.acked.size, acknowledged_twice: [...hooks.acked.values()].filter((n) => n > 1).length, lost: sessions.length - hooks.acked.size },
      });
    } finally {
      await hooks.close();
    }
  }, 300_000);
});
