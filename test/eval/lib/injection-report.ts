// Writes the "Injection" section of docs/EVALUATION.md from an eval:injection run; the rest of the
// file is left as it is (the section is replaced in place, or appended when missing).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { AttackItem } from './injection-attacks.ts';

const run = promisify(execFile);

const ABOUT = `The attacker is the agent that created the session (issue 11): it holds the capture token from
the verification URL and drives the capture API with a script, or plays a genuine video as the
camera. \`npm run eval:injection\` runs it against a real server (in-process, loopback) and writes
this section; \`test/e2e/injection.test.ts\` runs (a) and (b) in CI.

- **(a) synthetic**: random-noise face crops whose colour carries a 72 bpm sine, ROI means that agree
  with them, a real face's landmarks frozen (nudged one quantisation step), noise context crops;
  streamed in real time, tinted with each light-challenge colour as soon as the server reveals it.
- **(b) replay**: a genuine capture of the faces set, made through the real page on this server,
  re-bound to new sessions and streamed in real time: whole; with every crop re-encoded and
  tinted with the revealed colours (only landmarks and ROI numbers reused byte for byte); and with
  every byte changed (crops re-encoded at another quality and tinted, landmarks nudged, ROI
  numbers shifted), which only the crops' difference hashes can recognise.
- **(c) genuine video as camera**: each bona fide video of the faces set as Chromium's fake camera,
  through the unmodified page, each run on a tenant that never saw the video (played again on the
  same tenant it is a replay). Nothing in front of the screen reflects its colours.
- **(d) weakened policy**: each inline policy override of issue 11 point 1 at session creation; where
  the server creates the session, the synthetic stream of (a) is sent under it. \`refused\` means
  the session was never created.

Target (issue 11): every attack refused at high risk; (a), (b) and (d) refused at standard risk;
(c) at standard risk is the residual, reported as measured (nothing in standard risk tells a
camera from a video of a real face). APCER counts an attack that got \`live\`.`;

export async function writeInjectionReport(file: string, out: { items: Omit<AttackItem, never>[]; summary: { apcer: number } }, manifest: string): Promise<void> {
  const commit = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: import.meta.dirname }).then((r) => r.stdout.trim(), () => 'unknown');
  const rate = (list: AttackItem[]) => (list.length ? `${list.filter((i) => i.verdict === 'live').length}/${list.length}` : '-');
  const byLetter = (letter: string, risk: string) => rate(out.items.filter((i) => i.id.startsWith(`${letter}-`) && i.risk_level === risk));
  const lines = [
    '## Injection',
    '',
    ABOUT,
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit}, faces from \`${manifest.replace(/^.*\/shared\//, '../shared/')}\`.`,
    `APCER over all ${out.items.length} attacks: **${(100 * out.summary.apcer).toFixed(1)} %** (share that got \`live\`).`,
    '',
    '| attack | standard: live / runs | high: live / runs |',
    '|---|---|---|',
    ...[['a', '(a) synthetic'], ['b', '(b) replay'], ['c', '(c) genuine video as camera'], ['d', '(d) weakened policy']].map(([l, name]) => `| ${name} | ${byLetter(l, 'standard')} | ${byLetter(l, 'high')} |`),
    '',
    '| id | risk | status | verdict | reasons |',
    '|---|---|---|---|---|',
    ...out.items.map((i) => `| ${i.id} | ${i.risk_level} | ${i.status} | ${i.verdict ?? '-'} | ${i.reasons.join(', ') || '-'} |`),
    '',
  ];
  const text = await readFile(file, 'utf8').catch(() => '# Evaluation on real recordings\n');
  const start = text.search(/^## Injection\s*$/m);
  let next = -1;
  if (start >= 0) {
    const rest = text.slice(start + 3).search(/^## /m);
    next = rest >= 0 ? start + 3 + rest : -1;
  }
  const section = lines.join('\n');
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next >= 0 ? `\n${text.slice(next)}` : ''}`;
  await writeFile(file, updated.endsWith('\n') ? updated : `${updated}\n`);
}
