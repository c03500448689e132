// `npm run bench:analysis`: finish -> verdict cost of the server analysis on real recorded
// evidence (CBOR chunks exactly as the page sent them), p50/p95 and the breakdown by stage.
// Recordings come from `node test/eval/lib/pad-record-cli.ts <media> <dir>`; by default the
// bench records the first bona fide face video of ../shared/data/faces once into test/.cache.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fuse } from '../../server/analysis/fusion.ts';
import { analyseCapture, type AnalysisTask } from '../../server/analysis/worker.ts';
import { defaultPolicy } from '../../server/policies/defaults.ts';
import { decodeRecorded, loadRecordedCapture } from '../eval/lib/pad-record.ts';
import { machineLine, median, percentile, writeBenchSection } from './lib/report.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const recordingDir = process.argv[2] ?? path.join(ROOT, 'test/.cache/pad-recordings/evm-face');
const modelsDir = path.join(ROOT, existsSync(path.join(ROOT, 'models/2.7_80x80_MiniFASNetV2.onnx')) ? 'models' : '../shared/models');

if (!existsSync(path.join(recordingDir, 'capture.json'))) {
  process.stderr.write(`bench:analysis: recording ${recordingDir} through the real page first...\n`);
  execFileSync(process.execPath, [path.join(ROOT, 'test/eval/lib/pad-record-cli.ts'), path.resolve(ROOT, '../shared/data/faces/evm-face.mp4'), recordingDir], { stdio: 'inherit' });
}

const recorded = await loadRecordedCapture(recordingDir);
const chunks = decodeRecorded(recorded);
const attempt = recorded.attempt;
const profile = (attempt.device_profile ?? {}) as { capture?: { width?: number; height?: number } };
const policy = defaultPolicy(recorded.risk_level === 'high' ? 'high' : 'standard');
const task: AnalysisTask = {
  chunks,
  plan: attempt.plan as AnalysisTask['plan'],
  frame: { width: profile.capture?.width ?? 640, height: profile.capture?.height ?? 480 },
  lightChallenge: (attempt.light_challenge as AnalysisTask['lightChallenge']) ?? null,
  serverElapsedMs: (attempt.finished_at ?? 0) - attempt.started_at,
  clientHeartRateBpm: (attempt.client_summary as { heart_rate_bpm?: number | null } | null)?.heart_rate_bpm ?? null,
  binding: { session_id: recorded.session_id, attempt_id: chunks[0].attempt_id, nonce: chunks[0].nonce },
  modelsDir,
  frameCount: recorded.frame_count,
  thresholds: policy.thresholds,
};

// Warm-up: model loading and JIT, as the server's pool does at start.
for (let i = 0; i < 3; i++) await analyseCapture(task);
const totals: number[] = [];
const stages: Record<string, number[]> = {};
let verdict = '';
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const result = await analyseCapture(task);
  const outcome = fuse(result.evidence, result.cnn, policy);
  totals.push(performance.now() - started);
  verdict = outcome.kind === 'verdict' ? `${outcome.verdict} (score ${outcome.score})` : `quality failed (${outcome.reasons.join(', ')})`;
  for (const [stage, ms] of Object.entries(result.timings_ms)) (stages[stage] ??= []).push(ms);
}

const frames = chunks.reduce((n, c) => n + c.frames.length, 0);
const contexts = chunks.reduce((n, c) => n + c.context.length, 0);
const p50 = median(totals);
const body = `
Machine: ${machineLine()}. Command: \`npm run bench:analysis\`. Date: ${new Date().toISOString().slice(0, 10)}.
Real evidence recorded from the page (\`${path.basename(recordingDir)}\`, ${recorded.risk_level} risk): ${chunks.length} chunks, ${frames} frames
of face crops and landmarks, ${contexts} CNN context crops. The worker's analysis in-process, ${RUNS} runs after 3 warm-up runs
(the server runs the same function in a piscina worker thread, which adds one structured clone of the chunks).
Verdict on this recording: ${verdict}.

| finish -> verdict (analysis + fusion) | ms |
|---|---|
| p50 | ${p50.toFixed(1)} |
| p95 | ${percentile(totals, 95).toFixed(1)} |

| stage (median ms) | |
|---|---|
${Object.entries(stages)
  .map(([stage, values]) => `| ${stage} | ${median(values).toFixed(1)} |`)
  .join('\n')}

The CNN (onnxruntime-node, on its own threads) starts first and overlaps the JavaScript evidence work.
Target: ≤ 300 ms p50 for a standard capture on 2 cores: ${p50 <= 300 ? 'met' : '**missed**'}. The reference service reports \`processing_ms\` 845 for 30 frames.
`;
writeBenchSection('Analysis', body);
process.stdout.write(body);
process.exit(0); // the onnxruntime sessions keep the process alive otherwise
