// PAD evaluation: every item of one or more face-media sets through the real verification page
// (headless Chromium, the item as fake camera) against a real server; per item verdict, score,
// checks and decision time; APCER per attack type, BPCER, median decision time.
//
//   npm run eval:pad -- [<set dir> ...] [--json] [--risk standard|high] [--only id,id]
//                       [--as-labelled] [--out results.json] [--record dir] [--no-reframe] [--verbose]
//                       [--screen-reflection]
// Without a set dir, every face set under ../shared/data is used (found by manifest kind).
// --record keeps each item's real evidence (CBOR chunks + attempt + presentation) under dir/<id>
// for offline re-analysis: `npm run eval:pad:calibrate -- dir` (docs/CALIBRATION.md).
// A person follows the page's guidance (moves closer, back, to the centre) and an attacker brings
// a face the page never finds closer (lib/pad-present.ts); how often is reported.
// --screen-reflection (for --risk high): the fake camera cannot see the screen, so every physical
// presentation (a person, a print, a screen, a mask: things in front of the display) gets the
// screen's colours added the way they would reflect them (lib/screen-reflection.ts), while an
// injected deepfake video, which never sees the screen, plays as it is.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLivegate } from '../helpers/livegate-server.ts';
import { discoverFaceSets, subjectOf } from './lib/face-sets.ts';
import { readFaceMediaManifest, presentationOf } from './lib/pad-manifest.ts';
import { medianOf, summarise } from './lib/pad-metrics.ts';
import { presentItem, type Reframe } from './lib/pad-present.ts';
import { readRecordedCapture, saveRecordedCapture, savePresentation, type RecordedPresentation } from './lib/pad-record.ts';
import type { PadRun } from './lib/pad-run.ts';
import { reflectionFor } from './lib/screen-reflection.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    risk: { type: 'string', default: 'standard' },
    only: { type: 'string' },
    'as-labelled': { type: 'boolean', default: false },
    out: { type: 'string' },
    record: { type: 'string' },
    'no-reframe': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'screen-reflection': { type: 'boolean', default: false },
  },
});
if (values.risk !== 'standard' && values.risk !== 'high') {
  process.stderr.write('usage: npm run eval:pad -- [<set dir> ...] [--json] [--risk standard|high] [--only id,id] [--as-labelled] [--out file] [--record dir] [--no-reframe] [--verbose] [--screen-reflection]\n');
  process.exit(2);
}
const dirs = positionals.length ? positionals.map((p) => resolve(p)) : await discoverFaceSets();
if (dirs.length === 0) {
  process.stderr.write('no face-media set found (give a directory with a manifest.json of kind face-media)\n');
  process.exit(2);
}
const risk = values.risk;
const only = values.only ? new Set(values.only.split(',')) : null;
const sets = await Promise.all(dirs.map(async (dir) => ({ dir, manifest: await readFaceMediaManifest(dir) })));
const log = (line: string) => process.stderr.write(`${line}\n`);

// The store is a throwaway SQLite file; evidence is kept only when it is to be recorded.
const server = await startLivegate({ config: { logLevel: 'error', evidenceRetentionS: values.record ? 3600 : 0 } });
/** An item as it was presented (the fields a recording keeps beside its evidence) and its page run. */
type Row = Omit<RecordedPresentation, 'reframes' | 'description' | 'page_result'> & {
  /** Source windows the person moved to (empty: the source as it is). */
  reframes: Reframe[];
  run: PadRun;
};
const rows: Row[] = [];
try {
  for (const { dir, manifest } of sets) {
    for (const item of manifest.items.filter((i) => !only || only.has(i.id))) {
      const presentation = presentationOf(item, values['as-labelled']);
      log(`${manifest.name}/${item.id}: ${item.media}, ${presentation.label}${presentation.attack_type ? `/${presentation.attack_type}` : ''} ...`);
      const { run, reframes } = await presentItem(server, dir, item, {
        run: {
          risk_level: risk,
          initScript: reflectionFor(values['screen-reflection'], presentation.attack_type),
          console: values.verbose ? (l) => { if (!l.startsWith('[page:warning]') && !/gl_context|Graph |XNNPACK/.test(l)) log(l); } : undefined,
        },
        reframe: !values['no-reframe'],
        log,
      });
      const subject = subjectOf(item);
      if (values.record) {
        // presentation.json alone: the item ran but never reached a capture (counted as refused).
        const to = join(resolve(values.record), item.id);
        await savePresentation(to, { id: item.id, set: manifest.name, subject, ...presentation, manifest_label: item.label, media: item.media, reframes, description: item.description ?? '', page_result: run.page_result });
        if (run.attempts.length > 0) await saveRecordedCapture(to, await readRecordedCapture(server, run.session_id));
      }
      rows.push({ id: item.id, set: manifest.name, subject, ...presentation, manifest_label: item.label, media: item.media, reframes, run });
      log(`  -> ${run.status} ${run.verdict ?? '-'} score=${run.score ?? '-'} reasons=${[...run.failure_reasons].join(',') || '-'} attempts=${run.attempts.map((a) => `${a.status}${a.reasons.length ? `(${a.reasons.join(',')})` : ''}`).join(' ')} page=${run.page_result} decision=${run.decision_ms} ms processing=${run.processing_ms ?? '-'} ms`);
      if (values.verbose) log(`  checks ${JSON.stringify(run.checks)}`);
    }
  }
} finally {
  await server.close();
}

const summary = summarise(rows.map((r) => ({ label: r.label, attack_type: r.attack_type, verdict: r.run.verdict })));
const decisions = rows.filter((r) => r.run.verdict !== null).map((r) => r.run.decision_ms);
const processing = rows.map((r) => r.run.processing_ms).filter((v): v is number => v !== null);
const reframed = rows.filter((r) => r.reframes.length > 0).length;
const names = sets.map((s) => s.manifest.name);

if (values.out) {
  await writeFile(values.out, JSON.stringify({ sets: names, risk, as_labelled: values['as-labelled'], screen_reflection: values['screen-reflection'], at: new Date().toISOString(), rows, summary, reframed, median_decision_ms: medianOf(decisions), median_processing_ms: medianOf(processing) }, null, 2));
}

if (values.json) {
  const out = {
    items: rows.map((r) => ({ id: r.id, label: r.label, attack_type: r.attack_type, status: r.run.status, verdict: r.run.verdict, score: r.run.score, set: r.set, subject: r.subject, reasons: r.run.failure_reasons, reframes: r.reframes.length })),
    summary: { apcer: summary.apcer, bpcer: summary.bpcer, counts: summary.counts, reframed },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)} %`);
  console.log(`PAD evaluation of ${names.join(', ')} (${rows.length} items, risk ${risk}; stills of real faces counted ${values['as-labelled'] ? 'as labelled' : 'as photo attacks'})`);
  console.log('set | id | label | attack type | status | verdict | score | reasons | reframes | decision ms | processing ms');
  for (const r of rows) {
    console.log([r.set, r.id, r.label, r.attack_type ?? '-', r.run.status, r.run.verdict ?? '-', r.run.score ?? '-', r.run.failure_reasons.join(',') || '-', r.reframes.map((f) => f.guide).join('+') || '-', r.run.decision_ms, r.run.processing_ms ?? '-'].join(' | '));
  }
  for (const [type, v] of Object.entries(summary.apcer)) console.log(`APCER ${type}: ${pct(v)} (${summary.counts.attacks[type]} attacks)`);
  console.log(`BPCER: ${pct(summary.bpcer)} (${summary.counts.bona_fide} bona fide)`);
  console.log(`re-framed after the page's guidance: ${reframed} of ${rows.length}`);
  console.log(`no verdict: ${summary.counts.no_verdict}; median decision time ${medianOf(decisions) ?? '-'} ms (click to result); median processing ${medianOf(processing) ?? '-'} ms (finish to verdict)`);
}
