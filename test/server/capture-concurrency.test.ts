// Capture start and evidence limits under repeated and parallel requests, on SQLite and on
// PostgreSQL: no 500s, no attempt past max_attempts, the live attempt survives a refused start,
// and parallel chunks never pass the per-attempt byte limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureChunk } from '../../workers/codec/index.ts';
import { CAPTURE_LIMITS } from '../../workers/protocol/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { stubChunk } from '../helpers/stub-chunk.ts';

/** A JPEG-shaped crop of `size` bytes (the codec checks markers and sizes; analysis is off here). */
function crop(size: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(7);
  bytes.set([0xff, 0xd8, 0xff], 0);
  bytes.set([0xff, 0xd9], size - 2);
  return bytes;
}


const backends = [
  { name: 'sqlite', pg: false },
  { name: 'postgres', pg: true },
];

describe.each(backends)('capture under concurrency on $name', ({ pg }) => {
  let t: TestApp;
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    if (pg) cluster = await startPostgres();
    t = await createTestApp({}, { analyzer: false, databaseUrl: cluster?.url });
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  async function newSession() {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.key },
      payload: { action_description: 'Approve: Wire transfer of $50,000 to Acme Corp' },
    });
    const created = res.json();
    const token = created.verification_url.split('#')[1] as string;
    return { id: created.session_id as string, headers: { authorization: `Capture ${token}` } };
  }
  const start = (s: { id: string; headers: Record<string, string> }) =>
    t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: {} } });
  const postChunk = (s: { id: string; headers: Record<string, string> }, bytes: Uint8Array) =>
    t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': 'application/cbor' }, payload: Buffer.from(bytes) });

  it('refuses starts past max_attempts with 409 and leaves the live attempt running', async () => {
    const s = await newSession();
    const plans = [];
    for (let i = 1; i <= 3; i++) plans.push((await start(s)).json());
    expect(plans.map((p) => p.attempt_number)).toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      const refused = await start(s);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe('attempts_exhausted');
    }
    const attempts = await t.store.listAttempts(s.id);
    expect(attempts.map((a) => [a.number, a.status])).toEqual([[1, 'superseded'], [2, 'superseded'], [3, 'capturing']]);
    expect((await t.store.getSession(s.id))?.attempts_used).toBe(3);
    const live = plans[2];
    const accepted = await postChunk(s, encodeCaptureChunk(stubChunk({ session_id: s.id, attempt_id: live.attempt_id, nonce: live.nonce }, 0)));
    expect(accepted.statusCode).toBe(200);
  });

  it('answers 12 parallel starts with exactly max_attempts successes and clean 409s; one attempt stays live', async () => {
    const s = await newSession();
    const answers = await Promise.all(Array.from({ length: 12 }, () => start(s)));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((code) => code === 200)).toHaveLength(3);
    expect(statuses.filter((code) => code === 409)).toHaveLength(9);
    for (const refused of answers.filter((a) => a.statusCode === 409)) expect(refused.json().error.code).toBe('attempts_exhausted');
    expect(answers.filter((a) => a.statusCode === 200).map((a) => a.json().attempt_number).sort()).toEqual([1, 2, 3]);
    const attempts = await t.store.listAttempts(s.id);
    expect(attempts.map((a) => a.number)).toEqual([1, 2, 3]);
    expect(attempts.filter((a) => a.status === 'capturing').map((a) => a.number)).toEqual([3]);
    expect((await t.store.getSession(s.id))?.attempts_used).toBe(3);
  });

  it('answers a taken attempt number (a row left by an older version) with a clean 409, and the next start works', async () => {
    const s = await newSession();
    const first = (await start(s)).json();
    // The old start inserted an orphan attempt past attempts_used; simulate one at number 2.
    const orphan = { ...(await t.store.getAttempt(first.attempt_id))!, id: crypto.randomUUID(), number: 2 };
    await t.store.insertAttempt(orphan);
    const clash = await start(s);
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('attempt_mismatch');
    const next = await start(s);
    expect(next.statusCode).toBe(200);
    expect(next.json().attempt_number).toBe(3);
  });

  it('holds the per-attempt evidence limit against 26 parallel ~1 MiB chunks', async () => {
    const s = await newSession();
    const plan = (await start(s)).json();
    const base = { session_id: s.id, attempt_id: plan.attempt_id, nonce: plan.nonce };
    const bodies = Array.from({ length: 26 }, (_, seq) => encodeCaptureChunk(stubChunk(base, seq, 30, crop(32_000))));
    expect(bodies[0].byteLength).toBeGreaterThan(900_000);
    expect(bodies[0].byteLength).toBeLessThanOrEqual(CAPTURE_LIMITS.maxChunkBytes);
    const answers = await Promise.all(bodies.map((b) => postChunk(s, b)));
    const fit = Math.floor(CAPTURE_LIMITS.maxTotalBytes / bodies[0].byteLength);
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(fit);
    const refused = answers.filter((a) => a.statusCode !== 200);
    expect(refused.map((a) => a.statusCode)).toEqual(Array(26 - fit).fill(413));
    for (const r of refused) expect(r.json().error.code).toBe('evidence_too_large');
    expect(await t.store.evidenceBytes(plan.attempt_id)).toBeLessThanOrEqual(CAPTURE_LIMITS.maxTotalBytes);
  });
});
