// Capture protocol, server side: token auth, start, idempotent chunks, limits, finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureChunk } from '../../workers/codec/index.ts';
import { createLightChallengeSchedule } from '../../server/capture/service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { stubChunk } from '../helpers/stub-chunk.ts';



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
    // The start response announces the light challenge but never carries a colour.
    expect(plan.light_challenge).toEqual({ mode: 'just_in_time', steps: expect.any(Number), reveal_lead_ms: 250 });
    expect(plan.light_challenge.steps).toBeGreaterThan(3);
    expect(JSON.stringify(plan)).not.toContain('rgb');
    expect((await t.store.getSession(s.id))?.status).toBe('in_progress');

    const base = { session_id: s.id, attempt_id: plan.attempt_id, nonce: plan.nonce };
    const post = (bytes: Uint8Array) =>
      t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': 'application/cbor' }, payload: Buffer.from(bytes) });
    const c0 = encodeCaptureChunk(stubChunk(base, 0));
    expect((await post(c0)).json()).toMatchObject({ seq: 0, received_frames: 30, duplicate: false });
    expect((await post(c0)).json()).toMatchObject({ seq: 0, duplicate: true }); // a retry
    const conflicting = await post(encodeCaptureChunk(stubChunk(base, 0, 20)));
    expect(conflicting.statusCode).toBe(409);
    expect(conflicting.json().error.code).toBe('chunk_conflict');

    const early = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/finish`, headers: s.headers, payload: { attempt_id: plan.attempt_id, chunk_count: 2 } });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('capture_incomplete');

    expect((await post(encodeCaptureChunk(stubChunk(base, 1)))).statusCode).toBe(200);
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

    const afterFinish = await post(encodeCaptureChunk(stubChunk(base, 2)));
    expect(afterFinish.statusCode).toBe(409);
    expect(afterFinish.json().error.code).toBe('attempt_mismatch');
  });

  it("keeps the page's worker error counters in the capture_completed audit entry, and drops malformed ones", async () => {
    const finishWith = async (workerErrors: unknown) => {
      const s = await newSession();
      const plan = (await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } })).json();
      const chunk = encodeCaptureChunk(stubChunk({ session_id: s.id, attempt_id: plan.attempt_id, nonce: plan.nonce }, 0));
      await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': 'application/cbor' }, payload: Buffer.from(chunk) });
      const finish = await t.app.inject({
        method: 'POST',
        url: `/v1/capture/${s.id}/finish`,
        headers: s.headers,
        payload: { attempt_id: plan.attempt_id, chunk_count: 1, client_summary: { frames: 30, worker_errors: workerErrors } },
      });
      expect(finish.statusCode).toBe(200);
      return (await t.store.listAudit(s.id)).find((e) => e.type === 'capture_completed')!.data!;
    };
    const counters = { landmarks: 2, cnn: 1, frame: 0, frame_convert: 1, stream: 0, heart_rate: 0, light_challenge: 0 };
    expect(await finishWith(counters)).toMatchObject({ chunks: 1, frames: 30, worker_errors: counters });
    for (const bad of [{ ...counters, cnn: -1 }, { ...counters, frame: 1.5 }, { landmarks: 'many' }, null]) {
      const data = await finishWith(bad);
      expect(data).toMatchObject({ chunks: 1 });
      expect(data).not.toHaveProperty('worker_errors');
    }
  });

  it('rejects malformed bundles, a foreign nonce, wrong media types and oversize chunks', async () => {
    const s = await newSession();
    const plan = (await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } })).json();
    const send = (payload: Buffer, type = 'application/cbor') =>
      t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': type }, payload });

    const garbage = await send(Buffer.from([0xbf, 0xff, 0x00, 0x13, 0x37]));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toBe('bundle_invalid');

    const foreign = await send(Buffer.from(encodeCaptureChunk(stubChunk({ session_id: s.id, attempt_id: plan.attempt_id, nonce: 'AnotherNonceOfSixteenPlus' }, 0))));
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
      payload: Buffer.from(encodeCaptureChunk(stubChunk({ session_id: s.id, attempt_id: plan.attempt_id, nonce: plan.nonce }, 0))),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('session_terminal');
    const restart = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } });
    expect(restart.statusCode).toBe(409);
  });

  it("hands the policy's capture extension to the page in the plan, and refuses one past its bound", async () => {
    const plan = async (body: Record<string, unknown>) => {
      const s = await newSession(body);
      const res = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } });
      return res.json().plan as { duration_ms: number; extension_ms?: number };
    };
    expect(await plan({})).toMatchObject({ duration_ms: 6000, extension_ms: 3000 });
    expect(await plan({ policy: { capture_extension_ms: 0 } })).toMatchObject({ extension_ms: 0 });
    expect(await plan({ policy: { capture_extension_ms: 5000 } })).toMatchObject({ extension_ms: 5000 });
    const tooLong = await t.app.inject({
      method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key },
      payload: { action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', policy: { capture_extension_ms: 60_000 } },
    });
    expect(tooLong.statusCode).toBe(400);
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

describe('light challenge, revealed just in time', () => {
  let t: TestApp;
  let clock = 1_800_000_000_000;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false, now: () => clock });
  });
  afterAll(async () => t.close());

  async function start(risk: 'standard' | 'high') {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Sign the contract', risk_level: risk } });
    const id = res.json().session_id as string;
    const headers = { authorization: `Capture ${res.json().verification_url.split('#')[1]}` };
    const plan = (await t.app.inject({ method: 'POST', url: `/v1/capture/${id}/start`, headers, payload: { device_profile: {} } })).json();
    const light = (attempt_id = plan.attempt_id as string) => t.app.inject({ method: 'POST', url: `/v1/capture/${id}/light`, headers, payload: { attempt_id } });
    return { id, headers, plan, light };
  }

  it('hands out each colour only when it is due and records the first reveal', async () => {
    const s = await start('high');
    const schedule = ((await t.store.getAttempt(s.plan.attempt_id))!.light_challenge as { schedule: { start_ms: number; rgb: number[] }[] }).schedule;
    expect(schedule.length).toBe(s.plan.light_challenge.steps);

    // At t = 0 nothing is due yet: the first step starts at 1 s.
    const early = (await s.light()).json();
    expect(early.steps).toEqual([]);
    expect(early.next_reveal_in_ms).toBe(schedule[0].start_ms - 250);

    clock += schedule[0].start_ms - 250;
    const first = (await s.light()).json();
    expect(first.steps).toEqual([{ step: 0, ...schedule[0] }]);
    expect(first.next_reveal_in_ms).toBe(schedule[1].start_ms - schedule[0].start_ms);

    // Asking again later hands out the same step again, never one not yet due; the reveal time stays the first.
    clock += 10;
    expect((await s.light()).json().steps).toHaveLength(1);
    clock += schedule[2].start_ms - schedule[0].start_ms;
    expect((await s.light()).json().steps.map((x: { step: number }) => x.step)).toEqual([0, 1, 2]);
    expect(await t.store.listLightReveals(s.plan.attempt_id)).toEqual([
      { step: 0, revealed_at_ms: schedule[0].start_ms - 250 },
      { step: 1, revealed_at_ms: schedule[2].start_ms - 250 + 10 },
      { step: 2, revealed_at_ms: schedule[2].start_ms - 250 + 10 },
    ]);

    clock += 60_000;
    const all = (await s.light()).json();
    expect(all.steps).toHaveLength(schedule.length);
    expect(all.next_reveal_in_ms).toBeNull();
  });

  it('answers only the attempt being captured, and only when it has a light challenge', async () => {
    const standard = await start('standard');
    const none = await standard.light();
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('light_challenge_not_issued');

    const high = await start('high');
    const other = await high.light(crypto.randomUUID());
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('attempt_mismatch');
    const wrongToken = await t.app.inject({ method: 'POST', url: `/v1/capture/${high.id}/light`, headers: { authorization: 'Capture wrongwrongwrongwrong' }, payload: { attempt_id: high.plan.attempt_id } });
    expect(wrongToken.statusCode).toBe(401);
  });
});
