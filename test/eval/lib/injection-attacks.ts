// The scripted attacker of issue 11: an agent that creates the session itself, holds the capture
// token from the verification URL and drives the capture API without a camera or a person.
// Each attack returns what the relying party would see for the session it targeted.
import jpeg from 'jpeg-js';
import { encodeCaptureChunk, type CaptureChunk, type FrameRecord } from '../../../workers/codec/index.ts';
import { CHALLENGE_PALETTE } from '../../../server/capture/service.ts';
import type { LivegateServer } from '../../helpers/livegate-server.ts';
import { createSyntheticSource, type SyntheticOptions } from './injection-synthetic.ts';

export type RiskLevel = 'standard' | 'high';

export interface AttackItem {
  id: string;
  attack: string;
  risk_level: RiskLevel;
  /** The session's status; `refused` when the server would not even create the session. */
  status: string;
  verdict: 'live' | 'spoof' | null;
  reasons: string[];
}

type Rgb = [number, number, number];
interface Step { step: number; start_ms: number; duration_ms: number; rgb: Rgb }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The agent's side: POST /v1/sessions with its own API key. */
export async function createSession(server: LivegateServer, body: Record<string, unknown>, key = server.key): Promise<{ session_id: string; token: string } | { refused: { status: number; code: string } }> {
  const res = await fetch(`${server.origin}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', ...body }),
  });
  const json = (await res.json()) as { session_id?: string; verification_url?: string; error?: { code?: string } };
  if (res.status !== 201 || !json.verification_url) return { refused: { status: res.status, code: json.error?.code ?? `http_${res.status}` } };
  return { session_id: json.session_id!, token: new URL(json.verification_url).hash.slice(1) };
}

/** The capture API as the page would call it, with the token taken from the URL. */
export function captureApi(server: LivegateServer, sessionId: string, token: string) {
  const base = `${server.origin}/v1/capture/${sessionId}`;
  const auth = { authorization: `Capture ${token}` };
  const json = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(base + path, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    start: (deviceProfile: Record<string, unknown>) =>
      json<{ attempt_id: string; nonce: string; plan: { duration_ms: number; frame_count: number }; light_challenge: { steps: number } | null }>('/start', { device_profile: deviceProfile }),
    light: (attemptId: string) => json<{ steps: Step[]; next_reveal_in_ms: number | null }>('/light', { attempt_id: attemptId }),
    async chunk(chunk: CaptureChunk): Promise<void> {
      const res = await fetch(`${base}/chunk`, { method: 'POST', headers: { ...auth, 'content-type': 'application/cbor' }, body: Buffer.from(encodeCaptureChunk(chunk)) });
      if (!res.ok) throw new Error(`/chunk: ${res.status} ${await res.text()}`);
    },
    finish: (attemptId: string, chunkCount: number, summary: Record<string, unknown>) => json<{ status: string; verdict: string | null }>('/finish', { attempt_id: attemptId, chunk_count: chunkCount, client_summary: summary }),
  };
}

/** What the relying party sees, plus the reasons of the last attempt. */
export async function outcomeOf(server: LivegateServer, sessionId: string): Promise<Pick<AttackItem, 'status' | 'verdict' | 'reasons'>> {
  const session = await server.test.store.getSession(sessionId);
  const attempts = (await server.test.store.listAttempts(sessionId)).sort((a, b) => a.number - b.number);
  const last = (attempts.at(-1)?.result ?? {}) as { reasons?: string[] };
  return { status: session?.status ?? 'error', verdict: session?.verdict ?? null, reasons: last.reasons ?? session?.failure_reasons ?? [] };
}

/**
 * Streams evidence second by second in real time, as a page would, from `frameAt` (which sees the
 * light-challenge colours revealed so far: an attacker that follows them as fast as it learns
 * them). Returns the session's outcome.
 */
async function stream(
  server: LivegateServer,
  session: { session_id: string; token: string },
  deviceProfile: Record<string, unknown>,
  frames: (seq: number, known: Step[], plan: { duration_ms: number; frame_count: number }) => Pick<CaptureChunk, 'frames' | 'context'> | null,
  clientSummary: Record<string, unknown> = {},
): Promise<Pick<AttackItem, 'status' | 'verdict' | 'reasons'>> {
  const api = captureApi(server, session.session_id, session.token);
  const start = await api.start(deviceProfile);
  const t0 = Date.now();
  const known = new Map<number, Step>();
  // Learns each colour as early as the server allows, as the page does (next_reveal_in_ms).
  let polling = true;
  const poll = (async () => {
    while (start.light_challenge && polling) {
      const r = await api.light(start.attempt_id).catch(() => null);
      for (const s of r?.steps ?? []) known.set(s.step, s);
      if (r && r.next_reveal_in_ms === null) break;
      await sleep(Math.min(1000, Math.max(20, r?.next_reveal_in_ms ?? 200)));
    }
  })();
  let seq = 0;
  for (;;) {
    // The second's frames go out shortly after it ends, as the page's chunker sends them.
    await sleep(t0 + (seq + 1) * 1000 + 300 - Date.now());
    const body = frames(seq, [...known.values()], start.plan);
    if (!body) break;
    await api.chunk({ v: 1, session_id: session.session_id, attempt_id: start.attempt_id, nonce: start.nonce, seq, ...body });
    seq++;
  }
  await sleep(t0 + start.plan.duration_ms + 300 - Date.now());
  polling = false;
  await poll;
  await api.finish(start.attempt_id, seq, clientSummary);
  return outcomeOf(server, session.session_id);
}

/** The colour on screen at t (ms), as the attacker knows it (a small display-like lag). */
function colourAt(known: Step[], t: number, lagMs = 80): Rgb | null {
  const s = known.find((x) => t - lagMs >= x.start_ms && t - lagMs < x.start_ms + x.duration_ms);
  return s ? s.rgb : null;
}

/** (a) Noise crops carrying a sine pulse, frozen landmarks, tinted by the revealed colours. */
export async function syntheticAttack(server: LivegateServer, session: { session_id: string; token: string }, opts: SyntheticOptions & { deviceProfile: Record<string, unknown> }): Promise<Pick<AttackItem, 'status' | 'verdict' | 'reasons'>> {
  // Fresh noise every run unless a seed is given: each synthetic capture is new evidence.
  const src = createSyntheticSource({ seed: Math.floor(Math.random() * 2 ** 31), ...opts });
  return stream(server, session, opts.deviceProfile, (seq, known, plan) => {
    if (seq * 1000 >= plan.duration_ms) return null;
    const times: number[] = [];
    for (let t = seq * 1000 + 20; t < Math.min((seq + 1) * 1000, plan.duration_ms + 20); t += 1000 / src.fps) times.push(t);
    const perChunk = Math.ceil(plan.frame_count / Math.ceil(plan.duration_ms / 1000));
    return {
      frames: times.map((t) => src.frame(t, colourAt(known, t))),
      context: times.filter((_, i) => i % Math.max(1, Math.floor(times.length / perChunk)) === 0).slice(0, perChunk).map((t) => src.context(t)),
    };
  });
}

/**
 * (b) A genuine capture's chunks re-bound to a new session and streamed in real time; `transform`
 * may change them first (re-encode the crops, tint them with the revealed colours...).
 */
export async function replayAttack(
  server: LivegateServer,
  session: { session_id: string; token: string; risk_level?: RiskLevel },
  recorded: { chunks: CaptureChunk[]; deviceProfile: Record<string, unknown>; clientSummary: Record<string, unknown> },
  transform?: (frame: FrameRecord, light: Rgb | null) => FrameRecord,
  transformContext?: (chunk: Pick<CaptureChunk, 'context'>) => CaptureChunk['context'],
): Promise<Pick<AttackItem, 'status' | 'verdict' | 'reasons'>> {
  // Prepared before the capture starts, for every colour the screen can show (the palette is no
  // secret, the order is): at capture time the attacker only picks bytes, as fast as a page.
  const colours: (Rgb | null)[] = [null, ...(session.risk_level === 'high' ? CHALLENGE_PALETTE.map((c) => [...c] as Rgb) : [])];
  const prepared = new Map<FrameRecord, Map<string, FrameRecord>>();
  if (transform) for (const c of recorded.chunks) for (const f of c.frames) prepared.set(f, new Map(colours.map((col) => [String(col), transform(f, col)])));
  const contexts = recorded.chunks.map((c) => (transformContext ? transformContext(c) : c.context));
  return stream(server, session, recorded.deviceProfile, (seq, known) => {
    const c = recorded.chunks[seq];
    if (!c) return null;
    const pick = (f: FrameRecord) => {
      const light = colourAt(known, f.t);
      return prepared.get(f)?.get(String(light)) ?? transform!(f, light);
    };
    return { frames: transform ? c.frames.map(pick) : c.frames, context: contexts[seq] };
  }, recorded.clientSummary);
}

/** Re-encodes a crop (other bytes, the same picture), adding a share of `light` like a reflection. */
export function reencodeCrop(frame: FrameRecord, light: Rgb | null, quality = 85): FrameRecord {
  const img = jpeg.decode(frame.crop, { useTArray: true, formatAsRGBA: true });
  if (light) for (let p = 0; p < img.data.length; p += 4) for (let c = 0; c < 3; c++) img.data[p + c] = Math.min(255, img.data[p + c] + Math.round(0.06 * light[c]));
  return { ...frame, crop: new Uint8Array(jpeg.encode({ data: img.data, width: img.width, height: img.height }, quality).data) };
}

/**
 * Every byte changed: crops re-encoded and tinted, each landmark nudged by one quantisation step,
 * ROI numbers shifted by a hundredth, context crops re-encoded. No byte hash of the fingerprint
 * sees it; only the crops' difference hashes (which survive re-encoding and tinting) can.
 */
export function perturbFrame(frame: FrameRecord, light: Rgb | null, quality = 80, nudge = 1): FrameRecord {
  // Another quality than reencodeCrop's (85): not even the bytes of an earlier re-encoded replay.
  const out = reencodeCrop(frame, light, quality);
  const roi = frame.roi.map((v, i) => v + (light ? 0.06 * light[i % 3] : 0) + 0.01 * nudge);
  return { ...out, lm: frame.lm ? frame.lm.map((v, i) => Math.max(0, Math.min(65535, v + (i % 2 ? nudge : -nudge)))) : null, roi };
}

export function perturbContext(chunk: Pick<CaptureChunk, 'context'>, quality = 80): CaptureChunk['context'] {
  return chunk.context.map((c) => {
    const img = jpeg.decode(c.crop, { useTArray: true, formatAsRGBA: true });
    return { ...c, crop: new Uint8Array(jpeg.encode({ data: img.data, width: img.width, height: img.height }, quality).data) };
  });
}

let changedRuns = 0;

/**
 * perturbFrame and perturbContext with a quality (79, 78, ...) and a nudge (1, 2, ...) of their
 * own: no two runs of a process send the same bytes, so each run is a first use of the recording.
 */
export function everyByteChanged(): { frame: (f: FrameRecord, light: Rgb | null) => FrameRecord; context: (c: Pick<CaptureChunk, 'context'>) => CaptureChunk['context'] } {
  const run = changedRuns++;
  const quality = 79 - (run % 20);
  const nudge = 1 + run;
  return { frame: (f, light) => perturbFrame(f, light, quality, nudge), context: (c) => perturbContext(c, quality) };
}

/** The weakened inline policies of issue 11 point 1, per risk level. */
export function weakenedPolicies(risk: RiskLevel): { id: string; policy: Record<string, unknown> }[] {
  const list = [
    { id: 'fewer_checks', policy: { required_checks: ['motion'] } },
    { id: 'short_capture', policy: { capture_duration_ms: 3000 } },
    { id: 'lowered_thresholds', policy: { thresholds: { min_score: 0, pulse_min_snr_z: 0, cnn_min_live_probability: 0, light_challenge_min_score: 0, planarity_max_residual: 0 } } },
  ];
  if (risk === 'high') list.push({ id: 'high_without_light', policy: { required_checks: ['pulse', 'cnn', 'motion'] } });
  return list;
}
