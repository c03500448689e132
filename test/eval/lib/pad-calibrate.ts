// Offline re-analysis of recorded page runs (pad.ts --record DIR): the server's analysis and
// fusion on each item's real evidence, with the current code and thresholds, no browser. This is
// how the thresholds in server/policies/defaults.ts were chosen (docs/CALIBRATION.md).
//   node test/eval/lib/pad-calibrate.ts <recordings dir> [<manifest dir>] [--json]
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { analyseCapture } from '../../../server/analysis/worker.ts';
import { fuse } from '../../../server/analysis/fusion.ts';
import { defaultPolicy } from '../../../server/policies/defaults.ts';
import { readFaceMediaManifest, presentationOf, type Presentation } from './pad-manifest.ts';
import { decodeRecorded, loadRecordedCapture } from './pad-record.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const json = process.argv.includes('--json');
const recordings = resolve(args[0] ?? 'test/.cache/pad-recordings');
const manifestDir = resolve(args[1] ?? '../shared/data/faces');
const modelsDir = resolve(import.meta.dirname, '../../../models');

const manifest = await readFaceMediaManifest(manifestDir).catch(() => null);
const labels = new Map<string, Presentation>((manifest?.items ?? []).map((i) => [i.id, presentationOf(i)]));

const out: Record<string, unknown>[] = [];
for (const id of (await readdir(recordings)).sort()) {
  const capture = await loadRecordedCapture(join(recordings, id)).catch(() => null);
  if (!capture) continue;
  const plan = capture.attempt.plan as { duration_ms: number; fps: number; face_crop_size: number };
  const frame = ((capture.attempt.device_profile ?? {}) as { capture?: { width: number; height: number } }).capture ?? { width: 640, height: 480 };
  const policy = defaultPolicy(capture.risk_level === 'high' ? 'high' : 'standard');
  const chunks = decodeRecorded(capture);
  const result = await analyseCapture({
    chunks,
    plan,
    frame,
    lightChallenge: (capture.attempt.light_challenge as { schedule: [] } | null) ?? null,
    serverElapsedMs: (capture.attempt.finished_at ?? capture.attempt.started_at) - capture.attempt.started_at,
    modelsDir,
    frameCount: capture.frame_count,
    thresholds: policy.thresholds,
    clientHeartRateBpm: (capture.attempt.client_summary as { heart_rate_bpm?: number | null } | null)?.heart_rate_bpm ?? null,
  });
  const outcome = fuse(result.evidence, result.cnn, policy);
  const e = result.evidence;
  const row = {
    id,
    ...(labels.get(id) ?? { label: '?', attack_type: null }),
    outcome: outcome.kind === 'verdict' ? outcome.verdict : 'quality_failed',
    score: outcome.kind === 'verdict' ? outcome.score : null,
    reasons: outcome.reasons,
    frames: e.integrity.frames,
    fps: Number(e.integrity.fps.toFixed(1)),
    jitter_cv: Number(e.quality.metrics.timing.jitter_cv.toFixed(2)),
    hr: e.pulse.heart_rate_bpm === null ? null : Number(e.pulse.heart_rate_bpm.toFixed(1)),
    client_hr: e.pulse.client_heart_rate_bpm === null ? null : Number(e.pulse.client_heart_rate_bpm.toFixed(1)),
    snr_db: Number(e.pulse.snr_db.toFixed(2)),
    snr_z: Number(e.pulse.snr_z.toFixed(2)),
    method: e.pulse.method,
    trace_corr: e.pulse.trace_correlation === null ? null : Number(e.pulse.trace_correlation.toFixed(3)),
    level_gap: e.pulse.level_gap === null ? null : Number(e.pulse.level_gap.toFixed(2)),
    planarity_residual: e.motion.planarity_residual === null ? null : Number(e.motion.planarity_residual.toFixed(4)),
    planarity_ratio: e.motion.planarity_ratio === null ? null : Number(e.motion.planarity_ratio.toFixed(3)),
    planarity: e.motion.planarity_evidence,
    informative_pairs: e.motion.informative_pairs,
    motion_energy: Number(e.motion.motion_energy.toFixed(5)),
    shape_change: Number(e.motion.shape_change.toFixed(4)),
    landmark_noise: Number(e.motion.landmark_noise.toFixed(4)),
    blinks: e.motion.blinks,
    cnn: result.cnn.live_probability === null ? null : Number(result.cnn.live_probability.toFixed(3)),
    cnn_per_model: Object.fromEntries(Object.entries(result.cnn.per_model).map(([k, v]) => [k, Number(v.toFixed(3))])),
    face_ratio: result.cnn.face_detected_ratio,
    light: e.light_challenge ? { score: Number(e.light_challenge.score.toFixed(3)), lag: e.light_challenge.lag_ms, reason: e.light_challenge.reason ?? null } : null,
    quality: e.quality.reasons,
    timings_ms: Object.fromEntries(Object.entries(result.timings_ms).map(([k, v]) => [k, Math.round(v)])),
  };
  out.push(row);
  if (!json) console.log(JSON.stringify(row));
}
if (json) console.log(JSON.stringify(out, null, 2));
process.exit(0); // the ONNX sessions hold the event loop open
