// The capture endpoints' answers, byte for byte apart from ids, times and random draws: key order,
// types and nesting are the wire format (docs/PROTOCOL.md, workers/protocol). A schema that
// reorders, drops or adds a key fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureChunk } from '../../workers/codec/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { stubChunk } from '../helpers/stub-chunk.ts';

/** The raw body with every id, nonce and time masked; numbers that are random draws masked too. */
function skeleton(raw: string, mask: Record<string, string>): string {
  let out = raw;
  for (const [value, name] of Object.entries(mask)) out = out.split(value).join(name);
  return out.replace(/"expires_at":"[^"]+"/, '"expires_at":"<time>"');
}

describe('capture wire format', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(async () => t.close());

  async function newSession(body: Record<string, unknown>) {
    const created = (await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: pay $10', ...body } })).json();
    const token = created.verification_url.split('#')[1] as string;
    return { id: created.session_id as string, headers: { authorization: `Capture ${token}` } };
  }

  it('bootstrap, start, chunk and finish answers of a standard session', async () => {
    const s = await newSession({ action_details: { amount: 10 } });
    const boot = await t.app.inject({ url: `/v1/capture/${s.id}`, headers: s.headers });
    expect(skeleton(boot.body, { [s.id]: '<sid>' })).toBe(
      '{"session_id":"<sid>","status":"pending","action_description":"Approve: pay $10","action_details":{"amount":10},"risk_level":"standard",' +
        '"expires_at":"<time>","attempts_used":0,"max_attempts":3,"verdict":null,"success_redirect_url":null,"failure_redirect_url":null,"light_challenge":false,"branding":null}',
    );
    const start = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: { device_profile: { capture: { width: 640, height: 480 } } } });
    const { attempt_id, nonce } = start.json();
    expect(skeleton(start.body, { [attempt_id]: '<aid>', [nonce]: '<nonce>' })).toBe(
      '{"attempt_id":"<aid>","attempt_number":1,"max_attempts":3,"nonce":"<nonce>","plan":{"duration_ms":6000,"fps":30,"chunk_ms":1000,"face_crop_size":64,' +
        '"context_crop_size":160,"context_crop_scale":4,"frame_count":10,"max_chunk_bytes":1048576,"max_total_bytes":16777216,"max_frames_per_chunk":90,"extension_ms":3000},"light_challenge":null}',
    );
    const chunk = await t.app.inject({
      method: 'POST', url: `/v1/capture/${s.id}/chunk`, headers: { ...s.headers, 'content-type': 'application/cbor' },
      payload: Buffer.from(encodeCaptureChunk(stubChunk({ session_id: s.id, attempt_id, nonce }, 0))),
    });
    expect(chunk.body).toBe('{"seq":0,"received_frames":30,"duplicate":false}');
    const finish = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/finish`, headers: s.headers, payload: { attempt_id, chunk_count: 1, client_summary: { heart_rate_bpm: 70 } } });
    expect(finish.body).toBe('{"status":"in_progress","verdict":null,"attempts_left":2,"failure_reasons":[],"retry":false,"retry_hint":null}');
  });

  it('the light challenge: announced at start, revealed step by step', async () => {
    const s = await newSession({ risk_level: 'high' });
    const start = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/start`, headers: s.headers, payload: {} });
    const { attempt_id, light_challenge } = start.json();
    expect(start.body.endsWith(`"light_challenge":{"mode":"just_in_time","steps":${light_challenge.steps},"reveal_lead_ms":250}}`)).toBe(true);
    const light = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/light`, headers: s.headers, payload: { attempt_id } });
    // Right after start nothing is due yet (the first step starts at 1 s).
    expect(light.body).toMatch(/^\{"steps":\[\],"next_reveal_in_ms":\d+\}$/);
  });

  it('errors: code, message and hint', async () => {
    const s = await newSession({});
    const res = await t.app.inject({ method: 'POST', url: `/v1/capture/${s.id}/light`, headers: s.headers, payload: { attempt_id: crypto.randomUUID() } });
    expect(res.statusCode).toBe(409);
    expect(res.body).toBe('{"error":{"code":"attempt_mismatch","message":"Unknown capture attempt for this session.","hint":"Another capture attempt replaced this one; restart the capture."}}');
  });
});
