// Capture protocol, server side: token auth, start, idempotent chunks, limits, finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureChunk, LANDMARK_SUBSET, type CaptureChunk } from '../../workers/codec/index.ts';
import { createLightChallengeSchedule } from '../../server/capture/service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const JPEG_STUB = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]); // the codec checks sizes, analysis decodes later

function chunk(base: { session_id: string; attempt_id: string; nonce: string }, seq: number, frames = 30): CaptureChunk {
  return {
    v: 1,
    ...base,
    seq,
    frames: Array.from({ length: frames }, (_, i) => ({
      t: (seq * frames + i) * 33.3,
      lm: new Uint16Array(LANDMARK_SUBSET.length * 2).fill(30000),
      roi: new Float32Array([180, 120, 100, 175, 118, 98, 176, 119, 99]),
      skin: new Uint32Array([900, 700, 700]),
      box: new Float32Array([0.3, 0.2, 0.4, 0.5]),
      crop: JPEG_STUB,
    })),
    context: [],
  };
}

describe('capture protocol', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false }); // the protocol alone; analysis has its own suites
  });
  afterAll(async () => t.close());

  async function newSession(body: Record<string, unknown> = {}) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.key },
      payload: { action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', ...body },
    });
    const created = res.json();
    const token = created.verification_url.split('#')[1] as string;
    return { id: created.session_id as string, token, headers: { authorization: `Capture ${token}` } };
  }

  it('refuses a wrong or missing capture token', async () => {
    const s = await newSession();
    for (const headers of [{}, { authorization: 'Capture wrongwrongwrongwrong' }, { authorization: `Bearer ${s.token}` }]) {
      const res = await t.app.inject({ url: `/v1/capture/${s.id}`, headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('capture_token_invalid');
    }
  });

  it('bootstraps the page and audits the first open once', async () => {
    const s = await newSession();
    const first = await t.app.inject({ url: `/v1/capture/${s.id}`, headers: s.headers });
    expect(first.json()).toMatchObject({ status: 'pending', action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', max_attempts: 3 });
    await t.app.inject({ url: `/v1/capture/${s.id}`, headers: s.headers });
    const events = (await t.store.listAudit(s.id)).map((e) => e.type);
    expect(events.filter((e) => e === 'user_opened_url')).toHaveLength(1);
  });

  it('runs start -> chunks (retried idempotently) -> finish and stores the evidence', async () => {
    const s = await newSession({ risk_level: 'high' });
    const start = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: { cores: 2 } } });
    expect(start.statusCode).toBe(200);
    const plan = start.json();
    expect(plan).toMatchObject({ attempt_number: 1, max_attempts: 3, plan: { frame_count: 30, fps: 30 } });
    expect(plan.light_challenge.schedule.length).toBeGreaterThan(3);
    expect((await t.store.getSession(s.id))?.status).toBe('in_progress');

    const base = { session_id: s.id, attempt_id: plan.attempt_id, nonce: plan.nonce };
    const post = (bytes: Uint8Array) =>
      t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': 'application/cbor' }, payload: Buffer.from(bytes) });
    const c0 = encodeCaptureChunk(chunk(base, 0));
    expect((await post(c0)).json()).toMatchObject({ seq: 0, received_frames: 30, duplicate: false });
    expect((await post(c0)).json()).toMatchObject({ seq: 0, duplicate: true }); // a retry
    const conflicting = await post(encodeCaptureChunk(chunk(base, 0, 20)));
    expect(conflicting.statusCode).toBe(409);
    expect(conflicting.json().error.code).toBe('chunk_conflict');

    const early = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/finish`, headers: s.headers, payload: { attempt_id: plan.attempt_id, chunk_count: 2 } });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('capture_incomplete');

    expect((await post(encodeCaptureChunk(chunk(base, 1)))).statusCode).toBe(200);
    const finish = await t.app.inject({
      method: 'POST',
      url: `/v1/capture/${s.id}/finish`,
      headers: s.headers,
      payload: { attempt_id: plan.attempt_id, chunk_count: 2, client_summary: { heart_rate_bpm: 70 } },
    });
    expect(finish.statusCode).toBe(200);
    expect(finish.json()).toMatchObject({ status: 'in_progress', verdict: null });
    const chunks = await t.store.listEvidenceChunks(plan.attempt_id);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    const events = (await t.store.listAudit(s.id)).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['session_created', 'capture_started', 'capture_completed']));

    const afterFinish = await post(encodeCaptureChunk(chunk(base, 2)));
    expect(afterFinish.statusCode).toBe(409);
    expect(afterFinish.json().error.code).toBe('attempt_mismatch');
  });

  it('rejects malformed bundles, a foreign nonce, wrong media types and oversize chunks', async () => {
    const s = await newSession();
    const plan = (await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } })).json();
    const send = (payload: Buffer, type = 'application/cbor') =>
      t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': type }, payload });

    const garbage = await send(Buffer.from([0xbf, 0xff, 0x00, 0x13, 0x37]));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toBe('bundle_invalid');

    const foreign = await send(Buffer.from(encodeCaptureChunk(chunk({ session_id: s.id, attempt_id: plan.attempt_id, nonce: 'AnotherNonceOfSixteenPlus' }, 0))));
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.code).toBe('nonce_mismatch');

    const json = await send(Buffer.from('{"seq":0}'), 'application/json');
    expect(json.statusCode).toBe(415);

    const big = await send(Buffer.alloc(1024 * 1024 + 10, 1));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('chunk_too_large');
  });

  it('accepts nothing once the session is terminal', async () => {
    const s = await newSession();
    const plan = (await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } })).json();
    await t.app.inject({ method: 'POST', url: `/v1/sessions/${s.id}/cancel`, headers: { 'x-api-key': t.key }, payload: {} });
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/capture/${s.id}/chunk`,
      headers: { ...s.headers, 'content-type': 'application/cbor' },
      payload: Buffer.from(encodeCaptureChunk(chunk({ session_id: s.id, attempt_id: plan.attempt_id, nonce: plan.nonce }, 0))),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('session_terminal');
    const restart = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } });
    expect(restart.statusCode).toBe(409);
  });

  it('allows max_attempts starts, then refuses', async () => {
    const s = await newSession();
    for (let i = 1; i <= 3; i++) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } });
      expect(res.json().attempt_number).toBe(i);
    }
    const fourth = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } });
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().error.code).toBe('attempts_exhausted');
  });
});

describe('light-challenge schedule', () => {
  it('covers the capture with consecutive, distinct colours after a settling second', () => {
    const schedule = createLightChallengeSchedule(7000);
    expect(schedule[0].start_ms).toBe(1000);
    for (let i = 1; i < schedule.length; i++) {
      expect(schedule[i].start_ms).toBe(schedule[i - 1].start_ms + schedule[i - 1].duration_ms);
      expect(schedule[i].rgb).not.toEqual(schedule[i - 1].rgb);
    }
    const last = schedule.at(-1)!;
    expect(last.start_ms + last.duration_ms).toBeLessThanOrEqual(7000);
    expect(createLightChallengeSchedule(7000)).not.toEqual(createLightChallengeSchedule(7000)); // random each time (p of a clash ~ 0)
  });
});
