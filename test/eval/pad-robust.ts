// Robustness suite: every item of the face sets through perturbations a real camera produces
// (lib/perturbations.ts), each through the real page against a real server, presented as eval:pad
// presents them (lib/pad-present.ts: the person's moves after the page's guidance, the attacker's
// move closer when the page finds no face at all). Genuine recordings must stay live, attacks
// refused; prints the pass rate per perturbation.
//   npm run eval:pad:robust -- [<set dir> ...] [--only id,id] [--perturb name,name] [--label bona_fide|attack]
//                              [--risk standard|high] [--screen-reflection] [--record dir] [--json] [--out file]
// --risk high --screen-reflection: the high-risk flow with its light challenge, every physical
// presentation lit by the screen's colours and injected deepfakes not (as eval:pad's).
// --record keeps each run's evidence under dir/<perturbation>/<id> (calibrate it like eval:pad's).
// --rescore dir --from results.json: no browser; the results of an earlier run (its --out file)
// with every recorded presentation re-analysed by the current server code and the shipped fusion.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLivegate } from '../helpers/livegate-server.ts';
import { discoverFaceSets, subjectOf } from './lib/face-sets.ts';
import { readFaceMediaManifest, presentationOf } from './lib/pad-manifest.ts';
import { presentItem } from './lib/pad-present.ts';
import { perturbationsNamed } from './lib/perturbations.ts';
import { readRecordedCapture, saveRecordedCapture, savePresentation } from './lib/pad-record.ts';
import { rescoreAll } from './lib/pad-rescore.ts';
import { reflectionFor } from './lib/screen-reflection.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    perturb: { type: 'string' },
    label: { type: 'string' },
    risk: { type: 'string', default: 'standard' },
    'screen-reflection': { type: 'boolean', default: false },
    record: { type: 'string' },
    rescore: { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const dirs = positionals.length ? positionals.map((p) => resolve(p)) : await discoverFaceSets();
const only = values.only ? new Set(values.only.split(',')) : null;
const perturbations = perturbationsNamed(values.perturb);
const log = (line: string) => process.stderr.write(`${line}\n`);
if (values.risk !== 'standard' && values.risk !== 'high') {
  log('--risk: standard or high');
  process.exit(2);
}
const risk: 'standard' | 'high' = values.risk === 'high' ? 'high' : 'standard';

interface Result {
  id: string;
  perturbation: string;
  label: 'bona_fide' | 'attack';
  attack_type: string | null;
  status: string;
  verdict: string | null;
  score: number | null;
  reasons: string[];
  reframes: number;
  /** Genuine: live; attack: not live. */
  pass: boolean;
}
const results: Result[] = [];
/** How the presentations were run: this run's flags, or for --rescore the earlier run's (its recordings keep their risk level). */
let meta = { risk, screen_reflection: values['screen-reflection'] };
if (values.rescore) {
  if (!values.from) throw new Error('--rescore needs --from <the earlier run\'s --out JSON> (for the presentations that never reached a capture)');
  const earlier = JSON.parse(await readFile(values.from, 'utf8')) as { results: Result[]; risk?: 'standard' | 'high'; screen_reflection?: boolean };
  if (earlier.risk) meta = { risk: earlier.risk, screen_reflection: earlier.screen_reflection ?? false };
  const now = new Map((await rescoreAll(resolve(values.rescore))).map((r) => [`${r.perturbation}/${r.id}`, r]));
  for (const r of earlier.results) {
    const again = now.get(`${r.perturbation}/${r.id}`);
    const verdict = again ? (again.verdict === 'quality_failed' ? null : again.verdict) : r.verdict;
    const pass = r.label === 'bona_fide' ? verdict === 'live' : verdict !== 'live';
    results.push(again ? { ...r, verdict, score: again.score, reasons: again.reasons, status: 'rescored', pass } : r);
  }
}
// One fresh server per perturbation: the same clip played again to one tenant is, rightly, replayed
// evidence (integrity:replayed_evidence), which is not what this suite measures.
for (const p of values.rescore ? [] : perturbations) {
  const server = await startLivegate({ config: { logLevel: 'error', evidenceRetentionS: values.record ? 3600 : 0 } });
  try {
    for (const dir of dirs) {
      const manifest = await readFaceMediaManifest(dir);
      for (const item of manifest.items.filter((i) => !only || only.has(i.id))) {
        const presentation = presentationOf(item);
        if (values.label && presentation.label !== values.label) continue;
        const { run, reframes } = await presentItem(server, dir, item, {
          run: { risk_level: risk, initScript: reflectionFor(values['screen-reflection'], presentation.attack_type) },
          media: p.options,
          log,
        });
        const pass = presentation.label === 'bona_fide' ? run.verdict === 'live' : run.verdict !== 'live';
        results.push({ id: item.id, perturbation: p.name, ...presentation, status: run.status, verdict: run.verdict, score: run.score, reasons: run.failure_reasons, reframes: reframes.length, pass });
        if (values.record && run.attempts.length > 0) {
          const to = join(resolve(values.record), p.name, item.id);
          await saveRecordedCapture(to, await readRecordedCapture(server, run.session_id));
          await savePresentation(to, { id: item.id, set: manifest.name, subject: subjectOf(item), ...presentation, manifest_label: item.label, media: item.media, reframes, description: `${p.name}: ${p.description}` });
        }
        log(`${item.id} ${p.name}: ${run.status} ${run.verdict ?? '-'} score=${run.score ?? '-'} ${run.failure_reasons.join(',') || '-'} ${pass ? 'PASS' : 'FAIL'}`);
      }
    }
  } finally {
    await server.close();
  }
}

const ran = perturbations.filter((p) => results.some((r) => r.perturbation === p.name));
const byPerturbation = Object.fromEntries(ran.map((p) => {
  const rs = results.filter((r) => r.perturbation === p.name);
  const bona = rs.filter((r) => r.label === 'bona_fide'), atk = rs.filter((r) => r.label === 'attack');
  return [p.name, { bona_fide_live: bona.filter((r) => r.pass).length, bona_fide: bona.length, attacks_accepted: atk.filter((r) => !r.pass).length, attacks: atk.length }];
}));
const bona = results.filter((r) => r.label === 'bona_fide');
const summary = {
  genuine_live_rate: bona.length ? bona.filter((r) => r.pass).length / bona.length : null,
  attacks_accepted: results.filter((r) => r.label === 'attack' && !r.pass).length,
  by_perturbation: byPerturbation,
};
if (values.out) await writeFile(values.out, JSON.stringify({ ...meta, results, summary }, null, 2));
if (values.json) console.log(JSON.stringify({ ...meta, results, summary }));
else {
  console.log('perturbation | genuine live | attacks accepted');
  for (const [name, s] of Object.entries(byPerturbation)) console.log(`${name} | ${s.bona_fide_live}/${s.bona_fide} | ${s.attacks_accepted}/${s.attacks}`);
  console.log(`genuine live overall: ${summary.genuine_live_rate === null ? 'n/a' : `${(100 * summary.genuine_live_rate).toFixed(1)} %`}; attacks accepted: ${summary.attacks_accepted}`);
}
