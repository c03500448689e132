// Server-side analysis end to end: the real page in headless Chromium, its camera playing real
// recordings from ../shared/data/faces, the real server re-checking the evidence and deciding.
// The bona fide capture's stored evidence then feeds the tamper cases, sent the way a malicious
// page would send them (re-bound to a new session, through the capture API).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestation } from '../../server/attestation/verify.ts';
import { decodeCaptureChunk, encodeCaptureChunk, type CaptureChunk } from '../../workers/codec/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { cachedMedia } from '../helpers/media-cache.ts';
import { FACES_DIR, readFacesManifest, type FacesItem } from '../helpers/y4m.ts';
import { noFaceWindow } from '../eval/lib/find-face.ts';
import { MODELS_DIR } from '../eval/lib/pad-analyse.ts';
import { cameraMedia, cameraMediaFor } from '../eval/lib/pad-media.ts';
import { readRecordedCapture, type RecordedCapture } from '../eval/lib/pad-record.ts';
import { runPresentation, runWithCamera, type PadRun } from '../eval/lib/pad-run.ts';
import { screenReflectionScript } from '../eval/lib/screen-reflection.ts';
import { PULSE_SETTLED_Z } from '../../workers/capture/extension.ts';
import { MIN_TONAL_RANGE, defaultPolicy } from '../../server/policies/defaults.ts';

const run = promisify(execFile);

// The items each case plays (ids in ../shared/data/faces/manifest.json).
const BONA_FIDE = 'evm-face';
const STILL = 'minivision-live-T1'; // a photo of a real face: the CNN alone calls it live
const REPLAY = 'tranvanluyt-replay-monitor';
const PHONE_REPLAY = 'zubair-replay-phone';

let server: LivegateServer;
let items: FacesItem[];
let bonaFide: { run: PadRun; recorded: RecordedCapture } | null = null;

const item = (id: string) => {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`${id} is not in ${FACES_DIR}/manifest.json`);
  return found;
};
const camera = (id: string) => cameraMediaFor(FACES_DIR, item(id));
const lastReasons = (r: PadRun) => r.attempts.at(-1)?.reasons ?? [];
const describeRun = (r: PadRun) => JSON.stringify({ status: r.status, verdict: r.verdict, score: r.score, page: r.page_result, attempts: r.attempts.map((a) => [a.status, a.reasons]), checks: r.checks });

beforeAll(async () => {
  items = await readFacesManifest();
  // Evidence is kept so the tamper cases can replay the bona fide capture.
  server = await startLivegate({ config: { evidenceRetentionS: 3600 } });
}, 180_000);

afterAll(async () => server?.close());

describe('verdicts on real presentations', () => {
  it('a bona fide video: completed, live, and the attestation verifies offline', async () => {
    const r = await runWithCamera(server, await camera(BONA_FIDE));
    expect(r.status, describeRun(r)).toBe('completed');
    expect(r.verdict, describeRun(r)).toBe('live');
    expect(r.checks).toMatchObject({ integrity: { passed: true }, quality: { passed: true }, pulse: { agreement: true }, cnn: {} });
    expect((r.checks as { pulse: { heart_rate_bpm: number } }).pulse.heart_rate_bpm).toBeGreaterThan(40);

    // The relying party: the token from the API, the keys from the published JWKS, no server call.
    const result = (await (await server.api(`/v1/sessions/${r.session_id}/result`)).json()) as { signature: string; audit_trail: { events: { type: string; data: Record<string, unknown> | null }[] } };
    const jwks = await (await fetch(`${server.origin}/.well-known/jwks.json`)).json();
    const claims = await verifyAttestation(result.signature, { jwks, action: { description: 'Approve: Wire transfer of $50,000 to Acme Corp' } });
    expect(claims).toMatchObject({ sub: r.session_id, attestation: { verdict: 'live', score: r.score, checks: { pulse: { agreement: true } } } });
    await expect(verifyAttestation(result.signature, { jwks, action: { description: 'Approve: Wire transfer of $90,000 to Acme Corp' } })).rejects.toMatchObject({ code: 'action_mismatch' });
    const events = result.audit_trail.events;
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['capture_started', 'capture_completed', 'verdict_issued']));
    expect(events.find((e) => e.type === 'verdict_issued')?.data?.processing_ms).toEqual(expect.any(Number));

    bonaFide = { run: r, recorded: await readRecordedCapture(server, r.session_id) };
  }, 240_000);

  it('a still photo of a real face, moved by hand: spoof on what sees a photo (no pulse, a rigid plane)', async () => {
    const r = await runWithCamera(server, await camera(STILL));
    expect(r.status, describeRun(r)).toBe('completed');
    expect(r.verdict, describeRun(r)).toBe('spoof');
    // The fused verdict names the checks that spoke against a live face; the CNN calls this photo
    // live, so the refusal must come from the pulse or the motion.
    expect(lastReasons(r).some((x) => x === 'pulse:not_detected' || x === 'motion:planar'), describeRun(r)).toBe(true);
    expect(lastReasons(r), describeRun(r)).not.toContain('cnn:presentation_attack');
    // Adaptive capture length: the page goes on past the plan while the pulse it measures is
    // borderline (a hand-held photo's sway can make one, so either branch may run), and the server
    // takes exactly the extension the page says it took, never past the policy's bound.
    const extended = (r.checks as { integrity: { extended_ms?: number } }).integrity.extended_ms ?? 0;
    const attempt = (await server.test.store.listAttempts(r.session_id)).at(-1)!;
    const page = (attempt.client_summary as { extension?: { ms: number; pulse_z: number | null } }).extension!;
    expect(page, describeRun(r)).toBeDefined();
    expect(Math.abs(extended - page.ms), describeRun(r)).toBeLessThanOrEqual(500);
    expect(extended, describeRun(r)).toBeLessThanOrEqual(3000 + 100);
    if (page.pulse_z === null || page.pulse_z < PULSE_SETTLED_Z) expect(page.ms, JSON.stringify(page)).toBe(3000);
  }, 240_000);

  it('a monitor replay: never live, refused twice over: its face is washed out and the CNN sees the screen', async () => {
    const r = await runWithCamera(server, await camera(REPLAY), { session: { policy: { max_attempts: 1 } } });
    expect(r.verdict, describeRun(r)).not.toBe('live');
    expect(r.status, describeRun(r)).toBe('failed');
    // The screen's black, lit by the room: the face's darks are lifted (the tonal-range gate).
    expect(lastReasons(r), describeRun(r)).toContain('quality:low_contrast');
    // The checks still ran on the capture: the CNN alone would have refused it too.
    const cnn = (r.checks as { cnn: { live_probability: number; tonal_range: number } }).cnn;
    expect(cnn.tonal_range, describeRun(r)).toBeLessThan(MIN_TONAL_RANGE);
    expect(cnn.live_probability, describeRun(r)).toBeLessThan(defaultPolicy('standard').thresholds.cnn_min_live_probability);
  }, 240_000);

  it('a phone replaying a video of the person, brought close as an attacker would: never live, the face lacks fine detail', async () => {
    // At arm's length the page finds no face; the harness's attacker brings the phone's face
    // closer (test/eval/lib/find-face.ts), which is how it was accepted at standard risk before
    // the fine-detail gate.
    const phone = item(PHONE_REPLAY);
    const far = await cameraMedia(FACES_DIR, phone);
    const closer = await noFaceWindow(MODELS_DIR, FACES_DIR, phone, far);
    expect(closer, 'BlazeFace finds the face on the phone').not.toBeNull();
    const r = await runWithCamera(server, await cameraMediaFor(FACES_DIR, phone, { window: closer!.window }), { session: { policy: { max_attempts: 1 } } });
    expect(r.verdict, describeRun(r)).not.toBe('live');
    expect(r.status, describeRun(r)).toBe('failed');
    expect(lastReasons(r), describeRun(r)).toContain('quality:low_detail');
  }, 240_000);

  it('high risk, a photo held in front of the screen, reflecting its colours: the challenge passes, the verdict is still spoof', async () => {
    // Paper reflects the display as skin does: the challenge proves something physical in front of
    // the screen, not a live face, and adds nothing to the score (server/analysis/features.ts).
    const r = await runWithCamera(server, await camera(STILL), { risk_level: 'high', initScript: screenReflectionScript({ reflect: true }) });
    expect(r.status, describeRun(r)).toBe('completed');
    expect((r.checks as { light_challenge: { passed: boolean } }).light_challenge.passed, describeRun(r)).toBe(true);
    expect(r.verdict, describeRun(r)).toBe('spoof');
  }, 240_000);

  it('high risk, a recorded video injected through getUserMedia: spoof on the light challenge', async () => {
    // The injected stream plays a bona fide recording: pulse, CNN and motion are all a real face's,
    // but the face cannot turn the colours the screen flashes.
    const r = await runInjected(false);
    expect(r.status, describeRun(r)).toBe('completed');
    expect(r.verdict, describeRun(r)).toBe('spoof');
    // Only the light challenge failed: the injected stream itself passed for a live face.
    expect(lastReasons(r).length, describeRun(r)).toBeGreaterThan(0);
    expect(lastReasons(r).every((x) => x.startsWith('light_challenge:')), describeRun(r)).toBe(true);
  }, 240_000);

  it('high risk, the same video lit by the screen colours as a face in front of it would be: the challenge passes', async () => {
    // The control of the case above: the stream adds a little of the colour on screen to every
    // frame as it is drawn (a face reflecting the display, simulated: the fake camera has no light).
    // A passed challenge adds nothing to the score (a print in front of the screen reflects too):
    // the verdict is then the other checks' at the high operating point.
    const r = await runInjected(true);
    expect(r.status, describeRun(r)).toBe('completed');
    expect((r.checks as { light_challenge: { passed: boolean } }).light_challenge.passed, describeRun(r)).toBe(true);
    expect(lastReasons(r).filter((x) => x.startsWith('light_challenge:')), describeRun(r)).toEqual([]);
  }, 240_000);
});

/**
 * A high-risk session whose camera is the bona fide recording injected through getUserMedia (the
 * injection a virtual camera or a hooked browser performs), served on the page's own origin; with
 * `reflect`, lit by the screen's colours as a face in front of it would be (screen-reflection.ts).
 */
async function runInjected(reflect: boolean): Promise<PadRun> {
  const webm = await injectedVideo(await camera(BONA_FIDE));
  const browser = await launchChromium({ origin: server.origin });
  try {
    await browser.context.route(`${server.origin}/__injected/camera.webm`, (route) => route.fulfill({ path: webm, contentType: 'video/webm' }));
    return await runPresentation(server, browser, { risk_level: 'high', initScript: screenReflectionScript({ injectedUrl: '/__injected/camera.webm', reflect }) });
  } finally {
    await browser.close();
  }
}

// A page's side of the capture protocol, driven directly: the tamper and retention cases.

/**
 * Starts an attempt on a new session as the page would; returns what a page holds. `tenant`: a
 * tenant of its own (its replay fingerprints start empty), so a case can reach the check it is about.
 */
async function startAttempt(riskLevel = 'standard', on: LivegateServer = server, tenant?: string) {
  const s = tenant ? await createSessionAs(on, await on.test.keyWith([], tenant), { risk_level: riskLevel }) : await on.createSession({ risk_level: riskLevel });
  const token = new URL(s.url).hash.slice(1);
  const headers = { authorization: `Capture ${token}`, 'content-type': 'application/json' };
  const res = await fetch(`${on.origin}/v1/capture/${s.session_id}/start`, { method: 'POST', headers, body: JSON.stringify({ device_profile: bonaFide!.recorded.attempt.device_profile }) });
  expect(res.status).toBe(200);
  const start = (await res.json()) as { attempt_id: string; nonce: string };
  return { server: on, session_id: s.session_id, token, ...start, started: Date.now() };
}
type Attempt = Awaited<ReturnType<typeof startAttempt>>;

async function createSessionAs(on: LivegateServer, key: string, body: Record<string, unknown>) {
  const res = await fetch(`${on.origin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', ...body }) });
  expect(res.status, await res.clone().text()).toBe(201);
  const created = (await res.json()) as { session_id: string; verification_url: string };
  return { session_id: created.session_id, url: created.verification_url };
}

const postChunk = (a: Attempt, body: Uint8Array) =>
  fetch(`${a.server.origin}/v1/capture/${a.session_id}/chunk`, { method: 'POST', headers: { authorization: `Capture ${a.token}`, 'content-type': 'application/cbor' }, body: Buffer.from(body) });

/** Sends the recorded frames re-bound to this attempt (what a malicious page can do), then finishes. */
async function sendAndFinish(a: Attempt, chunks: CaptureChunk[]) {
  for (const chunk of chunks) {
    const res = await postChunk(a, encodeCaptureChunk({ ...chunk, session_id: a.session_id, attempt_id: a.attempt_id, nonce: a.nonce }));
    expect(res.status, await res.clone().text()).toBe(200);
  }
  // Finish no earlier than the frames' own clock allows (the server compares with its own).
  const lastT = Math.max(...chunks.flatMap((c) => c.frames.map((f) => f.t)));
  await new Promise((r) => setTimeout(r, Math.max(0, a.started + lastT - Date.now())));
  const res = await fetch(`${a.server.origin}/v1/capture/${a.session_id}/finish`, {
    method: 'POST',
    headers: { authorization: `Capture ${a.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ attempt_id: a.attempt_id, chunk_count: chunks.length, client_summary: bonaFide!.recorded.attempt.client_summary }),
  });
  expect(res.status).toBe(200);
  const session = (await a.server.test.store.getSession(a.session_id))!;
  const attempts = await a.server.test.store.listAttempts(a.session_id);
  return { session, reasons: ((attempts.at(-1)?.result ?? {}) as { reasons?: string[] }).reasons ?? [] };
}

const recordedChunks = () => {
  if (!bonaFide) throw new Error('the bona fide capture did not complete; its evidence feeds these cases');
  return bonaFide.recorded.chunks.map((bytes) => decodeCaptureChunk(bytes));
};

describe('tampered evidence', () => {
  it('client ROI numbers replaced by a made-up pulse: spoof, the client disagrees with the pixels', async () => {
    const chunks = recordedChunks();
    const frames = chunks.flatMap((c) => c.frames);
    const level = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => frames.reduce((s, f) => s + f.roi[k], 0) / frames.length);
    for (const f of frames) {
      // The levels stay plausible; the fluctuation becomes a clean 72 bpm wave.
      for (let k = 0; k < 9; k++) f.roi[k] = level[k] + (k % 3 === 1 ? 1.5 : 0.5) * Math.sin((2 * Math.PI * 1.2 * f.t) / 1000);
    }
    // On a tenant of its own, so the replay fingerprint does not answer first.
    const { session, reasons } = await sendAndFinish(await startAttempt('standard', server, 'tenant-roi'), chunks);
    expect(session.verdict).toBe('spoof');
    expect(reasons).toContain('pulse:client_disagrees');
  }, 60_000);

  it('frames reordered between chunks: spoof on integrity', async () => {
    const chunks = recordedChunks();
    [chunks[1].frames, chunks[2].frames] = [chunks[2].frames, chunks[1].frames];
    const { session, reasons } = await sendAndFinish(await startAttempt(), chunks);
    expect(session.verdict).toBe('spoof');
    expect(reasons).toContain('integrity:timestamps_not_monotonic');
  }, 60_000);

  it('a whole recorded capture re-bound to a new session: spoof, the evidence was seen before', async () => {
    for (const risk of ['standard', 'high']) {
      const { session, reasons } = await sendAndFinish(await startAttempt(risk), recordedChunks());
      expect(session.verdict, risk).toBe('spoof');
      expect(reasons, risk).toEqual(['integrity:replayed_evidence']);
    }
  }, 60_000);

  it('a recorded capture never seen by the tenant, re-bound to a high-risk session: spoof on the light challenge', async () => {
    // The random colours of high risk are what a recording made before the session cannot
    // contain; none of them was even revealed while the replay was sent.
    const { session, reasons } = await sendAndFinish(await startAttempt('high', server, 'tenant-light'), recordedChunks());
    expect(session.verdict).toBe('spoof');
    expect(reasons.some((x) => x.startsWith('light_challenge:')), reasons.join(',')).toBe(true);
  }, 60_000);

  it('a chunk replayed from another session: 400, nothing stored', async () => {
    const a = await startAttempt();
    const res = await postChunk(a, bonaFide ? bonaFide.recorded.chunks[0] : new Uint8Array());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bundle_invalid');
    expect(await server.test.store.listEvidenceChunks(a.attempt_id)).toHaveLength(0);
  }, 60_000);
});

describe('evidence after the verdict', () => {
  it('is purged at once when no retention period is set (the default); the attempt stays', async () => {
    const plain = await startLivegate();
    try {
      const a = await startAttempt('standard', plain);
      const { session } = await sendAndFinish(a, recordedChunks());
      expect(session.status).toBe('completed');
      expect(await plain.test.store.listEvidenceChunks(a.attempt_id)).toHaveLength(0);
      expect((await plain.test.store.listAttempts(a.session_id)).map((x) => x.status)).toEqual(['analysed']);
    } finally {
      await plain.close();
    }
  }, 60_000);
});

/** The camera clip (y4m) as a VP8 WebM for a <video> element; cached beside it. */
async function injectedVideo(y4m: string): Promise<string> {
  return cachedMedia(`${y4m.split('/').pop()!.replace(/\.y4m$/, '')}.webm`, async (tmp) => {
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', y4m, '-c:v', 'libvpx', '-b:v', '4M', '-crf', '6', tmp]);
  });
}
