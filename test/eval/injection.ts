// Injection evaluation (issue 11): a scripted attacker against a real server (in-process, loopback).
// The attacker is the agent that created the session: it holds the capture token and drives the
// capture API itself, or plays a genuine video as Chromium's fake camera.
//
//   npm run eval:injection -- [--json] [--only a,b,c,d] [--risk standard|high] [--faces dir]
//                             [--videos id,id] [--no-report]
// (a) noise crops + a sine pulse + frozen landmarks (tinted with the revealed colours at high risk)
// (b) a genuine capture's evidence replayed into new sessions (whole; crops re-encoded and tinted;
//     every byte changed)
// (c) genuine videos of the faces set played as the camera, the page unmodified (no reflection)
// (d) each weakened inline policy of issue 11 point 1, then the synthetic stream under it
// The report goes to docs/EVALUATION.md, section "Injection" (that section only is replaced).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeCaptureChunk } from '../../workers/codec/index.ts';
import { startLivegate, type LivegateServer } from '../helpers/livegate-server.ts';
import { createSession, everyByteChanged, reencodeCrop, replayAttack, syntheticAttack, weakenedPolicies, type AttackItem, type RiskLevel } from './lib/injection-attacks.ts';
import { writeInjectionReport } from './lib/injection-report.ts';
import { readFaceMediaManifest } from './lib/pad-manifest.ts';
import { cameraMediaFor } from './lib/pad-media.ts';
import { readRecordedCapture } from './lib/pad-record.ts';
import { runWithCamera } from './lib/pad-run.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string', default: 'a,b,c,d' },
    risk: { type: 'string' },
    faces: { type: 'string', default: resolve(import.meta.dirname, '../../../shared/data/faces') },
    videos: { type: 'string' },
    'no-report': { type: 'boolean', default: false },
  },
});
const only = new Set(values.only.split(','));
const risks: RiskLevel[] = values.risk === 'standard' || values.risk === 'high' ? [values.risk] : ['standard', 'high'];
const log = (line: string) => process.stderr.write(`${line}\n`);
const manifest = await readFaceMediaManifest(values.faces);
const bonaFide = manifest.items.filter((i) => i.label === 'bona_fide' && i.media === 'video' && (!values.videos || values.videos.split(',').includes(i.id)));
if (bonaFide.length === 0) throw new Error(`no bona fide video in ${values.faces}/manifest.json`);

const server: LivegateServer = await startLivegate({ config: { logLevel: 'error', evidenceRetentionS: 3600 } });
const items: AttackItem[] = [];
const record = (item: AttackItem) => {
  items.push(item);
  log(`${item.id}: ${item.status} ${item.verdict ?? '-'} ${item.reasons.join(',') || '-'}`);
};

try {
  // The genuine capture the attacker got hold of: a real person's evidence through the real page.
  log(`genuine capture (${bonaFide[0].id}) for the replay and the landmark template ...`);
  const genuineRun = await runWithCamera(server, await cameraMediaFor(values.faces, bonaFide[0]));
  log(`  -> ${genuineRun.status} ${genuineRun.verdict ?? '-'} ${genuineRun.failure_reasons.join(',')}`);
  const recorded = await readRecordedCapture(server, genuineRun.session_id);
  const chunks = recorded.chunks.map((c) => decodeCaptureChunk(c));
  const lmFrame = chunks.flatMap((c) => c.frames).find((f) => f.lm)!;
  const template = {
    // A real face's landmarks, frozen, nudged by one step so their bytes are new.
    landmarks: lmFrame.lm!.map((v) => Math.min(65535, v + 1)),
    box: [...lmFrame.box] as [number, number, number, number],
    deviceProfile: recorded.attempt.device_profile ?? {},
  };
  const replayed = { chunks, deviceProfile: recorded.attempt.device_profile ?? {}, clientSummary: recorded.attempt.client_summary ?? {} };

  for (const risk of risks) {
    if (only.has('a')) {
      const s = await createSession(server, { risk_level: risk });
      if ('refused' in s) record({ id: `a-synthetic-${risk}`, attack: 'synthetic_noise_sine', risk_level: risk, status: 'refused', verdict: null, reasons: [s.refused.code] });
      else record({ id: `a-synthetic-${risk}`, attack: 'synthetic_noise_sine', risk_level: risk, ...(await syntheticAttack(server, s, template)) });
    }
    if (only.has('b')) {
      const changed = everyByteChanged();
      const variants = [['whole', undefined, undefined], ['reencoded-tinted', reencodeCrop, undefined], ['every-byte-changed', changed.frame, changed.context]] as const;
      for (const [id, transform, context] of variants) {
        const s = await createSession(server, { risk_level: risk });
        if ('refused' in s) record({ id: `b-replay-${id}-${risk}`, attack: `replay_${id}`, risk_level: risk, status: 'refused', verdict: null, reasons: [s.refused.code] });
        else record({ id: `b-replay-${id}-${risk}`, attack: `replay_${id}`, risk_level: risk, ...(await replayAttack(server, { ...s, risk_level: risk }, replayed, transform, context)) });
      }
    }
    if (only.has('c')) {
      for (const item of bonaFide) {
        // A tenant of its own per run: a video the tenant never saw (played twice, the same video
        // is a replay, refused as such; that is not what this measures).
        const apiKey = await server.test.keyWith([], `tenant-c-${item.id}-${risk}`);
        const run = await runWithCamera(server, await cameraMediaFor(values.faces, item), { risk_level: risk, apiKey });
        const last = run.attempts.at(-1)?.reasons ?? run.failure_reasons;
        record({ id: `c-camera-${item.id}-${risk}`, attack: 'genuine_video_as_camera', risk_level: risk, status: run.status, verdict: run.verdict, reasons: last });
      }
    }
    if (only.has('d')) {
      for (const weak of weakenedPolicies(risk)) {
        const s = await createSession(server, { risk_level: risk, policy: weak.policy });
        const base = { id: `d-${weak.id}-${risk}`, attack: `weakened_policy_${weak.id}`, risk_level: risk };
        if ('refused' in s) record({ ...base, status: 'refused', verdict: null, reasons: [s.refused.code] });
        else record({ ...base, ...(await syntheticAttack(server, s, template)) });
      }
    }
  }
} finally {
  await server.close();
}

const apcer = items.length ? items.filter((i) => i.verdict === 'live').length / items.length : 0;
const out = { items: items.map(({ id, attack, risk_level, status, verdict, reasons }) => ({ id, attack, risk_level, status, verdict, reasons })), summary: { apcer } };
if (!values['no-report']) await writeInjectionReport(resolve(import.meta.dirname, '../../docs/EVALUATION.md'), out, join(values.faces, 'manifest.json'));
if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
else {
  console.log('id | attack | risk | status | verdict | reasons');
  for (const i of out.items) console.log([i.id, i.attack, i.risk_level, i.status, i.verdict ?? '-', i.reasons.join(',') || '-'].join(' | '));
  console.log(`APCER (attacks that got "live"): ${(100 * apcer).toFixed(1)} % of ${items.length}`);
}
