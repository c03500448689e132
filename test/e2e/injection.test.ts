// The scripted attacker of issue 11, small subset (the whole run is `npm run eval:injection`):
// an agent holding the capture token streams (a) synthetic evidence and (b) a genuine capture's
// evidence replayed into new sessions, at standard and high risk, against a real server. Each
// must end in a refusal with the integrity reason that names what was wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCaptureChunk, type CaptureChunk } from '../../workers/codec/index.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { FACES_DIR, readFacesManifest } from '../helpers/y4m.ts';
import { createSession, reencodeCrop, replayAttack, syntheticAttack } from '../eval/lib/injection-attacks.ts';
import { cameraMediaFor } from '../eval/lib/pad-media.ts';
import { readRecordedCapture } from '../eval/lib/pad-record.ts';
import { runWithCamera } from '../eval/lib/pad-run.ts';

let server: LivegateServer;
let genuine: { chunks: CaptureChunk[]; deviceProfile: Record<string, unknown>; clientSummary: Record<string, unknown> };
let template: { landmarks: Uint16Array; box: [number, number, number, number]; deviceProfile: Record<string, unknown> };

beforeAll(async () => {
  server = await startLivegate({ config: { evidenceRetentionS: 3600 } });
  // A real person's capture through the real page: what the attacker replays, and whose
  // landmarks it freezes for the synthetic stream.
  const item = (await readFacesManifest()).find((i) => i.id === 'evm-face')!;
  const run = await runWithCamera(server, await cameraMediaFor(FACES_DIR, item));
  expect(run.verdict, JSON.stringify(run.attempts)).toBe('live');
  const recorded = await readRecordedCapture(server, run.session_id);
  const chunks = recorded.chunks.map((c) => decodeCaptureChunk(c));
  genuine = { chunks, deviceProfile: recorded.attempt.device_profile ?? {}, clientSummary: recorded.attempt.client_summary ?? {} };
  const lm = chunks.flatMap((c) => c.frames).find((f) => f.lm)!;
  template = { landmarks: lm.lm!.map((v) => v + 1), box: [...lm.box] as [number, number, number, number], deviceProfile: genuine.deviceProfile };
}, 240_000);

afterAll(async () => server?.close());

async function session(risk: 'standard' | 'high') {
  const s = await createSession(server, { risk_level: risk });
  if ('refused' in s) throw new Error(`session refused: ${JSON.stringify(s.refused)}`);
  return s;
}

describe.each(['standard', 'high'] as const)('injection at %s risk', (risk) => {
  it('(a) noise crops carrying a sine pulse, frozen landmarks: spoof, fabricated evidence', async () => {
    const r = await syntheticAttack(server, await session(risk), template);
    expect(r.status).toBe('completed');
    expect(r.verdict).toBe('spoof');
    expect(r.reasons).toEqual(expect.arrayContaining(['integrity:synthetic_crops', 'integrity:static_landmarks']));
    expect(r.reasons.every((x) => x.startsWith('integrity:')), r.reasons.join(',')).toBe(true);
  }, 60_000);

  it('(b) a genuine capture replayed into a new session: spoof, replayed evidence', async () => {
    const r = await replayAttack(server, await session(risk), genuine);
    expect(r).toMatchObject({ status: 'completed', verdict: 'spoof' });
    expect(r.reasons).toEqual(['integrity:replayed_evidence']);
  }, 60_000);

  it('(b) the same capture with every crop re-encoded and tinted with the revealed colours: still a replay', async () => {
    const r = await replayAttack(server, { ...(await session(risk)), risk_level: risk }, genuine, reencodeCrop);
    expect(r).toMatchObject({ status: 'completed', verdict: 'spoof' });
    expect(r.reasons).toContain('integrity:replayed_evidence');
  }, 60_000);
});
