// PAD evaluation: every item of a face-media manifest through the real verification page
// (headless Chromium, the item as fake camera) against a real server; per item verdict, score,
// checks and decision time; APCER per attack type, BPCER, median decision time.
//
//   npm run eval:pad -- <dir with manifest.json> [--json] [--risk standard|high] [--only id,id]
//                       [--as-labelled] [--out results.json] [--record dir] [--verbose]
// --record keeps each item's real evidence (CBOR chunks + attempt) under dir/<id> for offline
// re-analysis (calibration, benchmarks).
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLivegate } from '../helpers/livegate-server.ts';
import { readFaceMediaManifest, presentationOf } from './lib/pad-manifest.ts';
import { cameraMediaFor } from './lib/pad-media.ts';
import { medianOf, summarise } from './lib/pad-metrics.ts';
import { readRecordedCapture, saveRecordedCapture } from './lib/pad-record.ts';
import { runWithCamera, type PadRun } from './lib/pad-run.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    risk: { type: 'string', default: 'standard' },
    only: { type: 'string' },
    'as-labelled': { type: 'boolean', default: false },
    out: { type: 'string' },
    record: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
if (positionals.length !== 1 || (values.risk !== 'standard' && values.risk !== 'high')) {
  process.stderr.write('usage: npm run eval:pad -- <dir with manifest.json> [--json] [--risk standard|high] [--only id,id] [--as-labelled] [--out file] [--verbose]\n');
  process.exit(2);
}
const dir = resolve(positionals[0]);
const risk = values.risk;
const manifest = await readFaceMediaManifest(dir);
const only = values.only ? new Set(values.only.split(',')) : null;
const items = manifest.items.filter((i) => !only || only.has(i.id));
const log = (line: string) => process.stderr.write(`${line}\n`);

// The store is a throwaway SQLite file; evidence is kept only when it is to be recorded.
const server = await startLivegate({ config: { logLevel: 'error', evidenceRetentionS: values.record ? 3600 : 0 } });
interface Row {
  id: string;
  label: 'bona_fide' | 'attack';
  attack_type: string | null;
  manifest_label: string;
  media: string;
  run: PadRun;
}
const rows: Row[] = [];
try {
  for (const item of items) {
    const presentation = presentationOf(item, values['as-labelled']);
    const y4m = await cameraMediaFor(dir, item);
    log(`${item.id}: ${item.media}, ${presentation.label}${presentation.attack_type ? `/${presentation.attack_type}` : ''} ...`);
    const run = await runWithCamera(server, y4m, { risk_level: risk, console: values.verbose ? (l) => { if (!l.startsWith('[page:warning]') && !/gl_context|Graph |XNNPACK/.test(l)) log(l); } : undefined });
    if (values.record && run.attempts.length > 0) await saveRecordedCapture(join(resolve(values.record), item.id), await readRecordedCapture(server, run.session_id));
    rows.push({ id: item.id, ...presentation, manifest_label: item.label, media: item.media, run });
    log(`  -> ${run.status} ${run.verdict ?? '-'} score=${run.score ?? '-'} reasons=${[...run.failure_reasons].join(',') || '-'} attempts=${run.attempts.map((a) => `${a.status}${a.reasons.length ? `(${a.reasons.join(',')})` : ''}`).join(' ')} page=${run.page_result} decision=${run.decision_ms} ms processing=${run.processing_ms ?? '-'} ms`);
    if (values.verbose) log(`  checks ${JSON.stringify(run.checks)}`);
  }
} finally {
  await server.close();
}

const summary = summarise(rows.map((r) => ({ label: r.label, attack_type: r.attack_type, verdict: r.run.verdict })));
const decisions = rows.filter((r) => r.run.verdict !== null).map((r) => r.run.decision_ms);
const processing = rows.map((r) => r.run.processing_ms).filter((v): v is number => v !== null);

if (values.out) {
  await writeFile(values.out, JSON.stringify({ manifest: manifest.name, risk, as_labelled: values['as-labelled'], at: new Date().toISOString(), rows, summary, median_decision_ms: medianOf(decisions), median_processing_ms: medianOf(processing) }, null, 2));
}

if (values.json) {
  const out = {
    items: rows.map((r) => ({ id: r.id, label: r.label, attack_type: r.attack_type, status: r.run.status, verdict: r.run.verdict, score: r.run.score })),
    summary: { apcer: summary.apcer, bpcer: summary.bpcer },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)} %`);
  console.log(`PAD evaluation of ${manifest.name} (${rows.length} items, risk ${risk}; stills of real faces counted ${values['as-labelled'] ? 'as labelled' : 'as photo attacks'})`);
  console.log('id | label | attack type | status | verdict | score | reasons | decision ms | processing ms');
  for (const r of rows) {
    console.log([r.id, r.label, r.attack_type ?? '-', r.run.status, r.run.verdict ?? '-', r.run.score ?? '-', r.run.failure_reasons.join(',') || '-', r.run.decision_ms, r.run.processing_ms ?? '-'].join(' | '));
  }
  for (const [type, v] of Object.entries(summary.apcer)) console.log(`APCER ${type}: ${pct(v)} (${summary.counts.attacks[type]} attacks)`);
  console.log(`BPCER: ${pct(summary.bpcer)} (${summary.counts.bona_fide} bona fide)`);
  console.log(`no verdict: ${summary.counts.no_verdict}; median decision time ${medianOf(decisions) ?? '-'} ms (click to result); median processing ${medianOf(processing) ?? '-'} ms (finish to verdict)`);
}
