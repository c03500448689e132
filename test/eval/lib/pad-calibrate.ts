// Offline calibration of the fusion on recorded page runs (pad.ts --record DIR), no browser:
// re-analyses every recording with the current code, fits the fusion (pad-fit.ts), reports
// leave-one-subject-out cross-validated error rates, per-check distributions, DET and EER, and
// the checks refusing each attack (docs/CALIBRATION.md says how to use it).
//   npm run eval:pad:calibrate -- <run dir> [<run dir> ...] [--json] [--write] [--report] [--l2 N] [--cut-at-plan]
// A run dir holds <item id>/ recordings; an item with a presentation.json but no evidence never
// reached a capture (the page found no usable face) and counts as refused.
// --write regenerates server/policies/fusion-params.ts from the fit on every recording;
// --report rewrites the generated part of docs/EVALUATION.md and the SVG plots in docs/.
// --cut-at-plan analyses each recording only up to its plan's duration: what the server would have
// decided had the page not extended the capture (adaptive capture length), on the same evidence.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RISK_LEVELS } from '../../../server/policies/defaults.ts';
import { discoverFaceSets, subjectOf } from './face-sets.ts';
import { analyseRecording, decisionOf, type AnalysedRecording } from './pad-analyse.ts';
import { crossValidate, fitLogistic, predict, type Sample } from './pad-fit.ts';
import { readFaceMediaManifest, presentationOf } from './pad-manifest.ts';
import { loadPresentation } from './pad-record.ts';
import { isMeasured, renderReport, type CalibratedRow } from './pad-report.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
    l2: { type: 'string', default: '1' },
    'fit-exclude': { type: 'string', default: 'deepfake' },
    'cut-at-plan': { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '../../..');
const runs = (positionals.length ? positionals : ['test/.cache/pad-recordings']).map((p) => resolve(p));
const l2 = Number(values.l2);
/**
 * Attack types the standard checks are not fitted against (still scored and reported): injected
 * deepfake videos are the light challenge's job at high risk; a fusion taught that a live-looking
 * CNN means an attack would trade away what the CNN catches (prints, screens). `--fit-exclude ''`
 * fits on everything.
 */
const fitExclude = new Set((values['fit-exclude'] ?? '').split(',').filter(Boolean));
/** The features the standard checks fit on (the light challenge's weight is set by hand). */
const FEATURES = ['pulse', 'cnn', 'motion', 'expression'] as const;

const items = [];
for (const dir of await discoverFaceSets()) {
  const manifest = await readFaceMediaManifest(dir);
  for (const item of manifest.items) items.push({ set: manifest.name, subject: subjectOf(item), ...presentationOf(item), item });
}

const rows: CalibratedRow[] = [];
let pageFailures = 0;
for (const run of runs) {
  for (const it of items) {
    const dir = join(run, it.item.id);
    const recorded = existsSync(join(dir, 'capture.json'));
    const presentation = await loadPresentation(dir);
    // Neither evidence nor presentation: the item was not run in this run (skipped, not refused).
    if (!recorded && !presentation) continue;
    // The page failed before deciding anything about the face (models not loaded, page error):
    // a harness failure, not a presentation; left out and counted.
    if (!recorded && /^(models_failed|camera_|error)/.test(presentation?.page_result ?? '')) {
      pageFailures++;
      continue;
    }
    const analysed: AnalysedRecording | null = recorded ? await analyseRecording(dir, { cutAtPlan: values['cut-at-plan'] }) : null;
    const status = !analysed ? 'no_capture' : analysed.hard.length ? 'tampering' : analysed.quality.length ? 'quality' : 'scored';
    rows.push({
      run: run.split('/').slice(-2).join('/'),
      id: it.item.id,
      set: it.set,
      subject: it.subject,
      label: it.label,
      attack_type: it.attack_type,
      status,
      reframes: presentation?.reframes.length ?? 0,
      reasons: analysed ? [...analysed.hard, ...analysed.quality] : ['page:no_capture'],
      x: analysed ? FEATURES.map((f) => analysed.features[f] ?? 0) : null,
      raw: analysed?.raw ?? null,
      cv: null,
      fitted: null,
      shipped: analysed ? decisionOf(analysed.outcome) : null,
    });
    process.stderr.write('.');
  }
}
process.stderr.write(`\n${pageFailures} item run(s) left out: the page failed before any face decision\n`);

// The fusion learns from every recording whose checks were measured, those a quality gate then
// refused included: a gate that stops an attack does not change what the checks saw, and the
// fusion must still refuse that kind of attack where the gate would not (a sharper screen). Only
// scored recordings get a score; a gated one stays refused by its gate.
const measured = rows.filter(isMeasured);
const samples: Sample[] = measured.map((r) => ({ x: r.x!, y: r.label === 'bona_fide' ? 1 : 0, subject: r.subject, item: r.id, type: r.attack_type }));
const fitted = (s: Sample) => !(s.type && fitExclude.has(s.type));
const cv = crossValidate(samples, { l2 }, fitted);
const model = fitLogistic(samples.filter(fitted), { l2 });
measured.forEach((r, i) => {
  const held = Number.isNaN(cv[i]) ? null : Math.round(cv[i] * 1000) / 10;
  if (r.status !== 'scored') {
    r.gated_cv = held;
    return;
  }
  r.cv = held;
  r.fitted = Math.round(predict(model, r.x!) * 1000) / 10;
});
for (const r of rows) if (r.status === 'tampering') r.cv = r.fitted = 0;

const params = { bias: round(model.bias), weights: Object.fromEntries(FEATURES.map((f, k) => [f, round(model.weights[k])])) as Record<(typeof FEATURES)[number], number> };
const operating = { standard: RISK_LEVELS.standard.min_score, high: RISK_LEVELS.high.min_score };
const subjects = new Set(measured.map((r) => r.subject)).size;

if (values.write) {
  const at = new Date().toISOString().slice(0, 10);
  const file = `// Fitted parameters of the calibrated fusion (server/analysis/fusion.ts): a logistic regression
// over the per-check features of server/analysis/features.ts. Regenerate with
// \`npm run eval:pad:calibrate -- <recordings dir> --write\` (docs/CALIBRATION.md); the light
// challenge's weight is set by hand (no recording of a real face under the challenge exists).
// Fitted ${at} on ${samples.filter(fitted).length} recordings (scored or quality-gated) of ${subjects} subjects (l2 ${l2}${fitExclude.size ? `; not fitted against ${[...fitExclude].join(', ')}` : ''}).
export const FUSION_PARAMS = {
  bias: ${params.bias},
  weights: { pulse: ${params.weights.pulse}, cnn: ${params.weights.cnn}, motion: ${params.weights.motion}, expression: ${params.weights.expression}, light_challenge: 8 },
  fitted: { at: '${at}', items: ${samples.filter(fitted).length}, subjects: ${subjects}, l2: ${l2} } as null | { at: string; items: number; subjects: number; l2: number },
} as const;
`;
  await writeFile(join(ROOT, 'server/policies/fusion-params.ts'), file);
  process.stderr.write(`wrote server/policies/fusion-params.ts: ${JSON.stringify(params)}\n`);
}

if (values.report) {
  const { markdown, svgs } = renderReport(rows, { params, operating, l2, runs: runs.length, fitExclude: [...fitExclude], pageFailures });
  for (const [name, svg] of Object.entries(svgs)) await writeFile(join(ROOT, 'docs', name), svg);
  const docPath = join(ROOT, 'docs/EVALUATION.md');
  const doc = await readFile(docPath, 'utf8');
  const begin = '<!-- eval:PAD-calibrated:begin -->', end = '<!-- eval:PAD-calibrated:end -->';
  const block = `${begin}\n${markdown}\n${end}`;
  const next = doc.includes(begin) ? doc.slice(0, doc.indexOf(begin)) + block + doc.slice(doc.indexOf(end) + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  await writeFile(docPath, next);
  process.stderr.write(`wrote docs/EVALUATION.md (generated block) and ${Object.keys(svgs).join(', ')}\n`);
}

if (values.json) console.log(JSON.stringify({ params, operating, rows }, null, 2));
else {
  for (const r of rows) console.log(JSON.stringify({ run: r.run, id: r.id, label: r.attack_type ?? r.label, status: r.status, cv: r.cv, fitted: r.fitted, shipped: r.shipped, x: r.x?.map((v) => round(v)), reasons: r.reasons, ...r.raw }));
  console.log(`fit on all: ${JSON.stringify(params)}`);
}
process.exit(0); // the ONNX sessions hold the event loop open

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
