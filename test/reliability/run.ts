// `npm run test:reliability`: the reliability suites at full size (fuzz >= 10,000 cases on both
// stores, load with 100 captures + 200 MCP agents, kill -9 and database-restart faults, the
// security matrix), loopback only, bounded by a global time limit. Writes the figures the suites
// report to docs/RELIABILITY.md and exits with vitest's status.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from '../bench/lib/report.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT_FILE = path.join(ROOT, 'docs/RELIABILITY.md');
/** The whole run stops by itself after this long (each test has its own, shorter limit too). */
const LIMIT_MS = Number(process.env.LIVEGATE_RELIABILITY_LIMIT_MS ?? 45 * 60_000);

const figuresDir = mkdtempSync(path.join(os.tmpdir(), 'livegate-reliability-'));
const reportFile = path.join(figuresDir, 'vitest.json');
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test/reliability/'];
const t0 = Date.now();
// One file at a time: the load and fault suites measure a server that must not share the
// machine with the other suites.
const run = spawnSync(path.join(ROOT, 'node_modules/.bin/vitest'), ['run', ...files, '--no-file-parallelism', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`], {
  cwd: ROOT,
  stdio: 'inherit',
  timeout: LIMIT_MS,
  killSignal: 'SIGKILL',
  env: { ...process.env, LIVEGATE_RELIABILITY: 'full', LIVEGATE_RELIABILITY_OUT: figuresDir },
});
const minutes = ((Date.now() - t0) / 60_000).toFixed(1);

const figures: Record<string, Record<string, unknown>> = {};
for (const f of readdirSync(figuresDir)) {
  if (f.endsWith('.json') && f !== 'vitest.json') figures[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(figuresDir, f), 'utf8'));
}
interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}
let report: VitestReport | null = null;
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
} catch {
  report = null;
}
rmSync(figuresDir, { recursive: true, force: true });

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const timedOut = run.error !== undefined || run.signal !== null;
writeFileSync(OUT_FILE, withNotes(render()));
process.stdout.write(`\nreliability: figures written to ${path.relative(ROOT, OUT_FILE)}\n`);
process.exit(timedOut ? 124 : (run.status ?? 1));

function render(): string {
  const fuzz = figures.fuzz as { cases?: number; five_xx?: number; crashes?: number; by_area?: Record<string, { cases: number; five_xx: number; statuses: Record<string, number> }> } | undefined;
  const load = figures.load as Record<string, unknown> | undefined;
  const faults = (figures.faults ?? {}) as Record<string, Record<string, unknown>>;
  const failed = report?.testResults.flatMap((r) => r.assertionResults.filter((a) => a.status === 'failed').map((a) => `${path.basename(r.name)}: ${a.fullName}`)) ?? [];
  const lines: string[] = [
    '# Reliability',
    '',
    'Written by `npm run test:reliability` (test/reliability/run.ts) from the figures of its last run; do not edit by hand.',
    'The same test files run in `bash scripts/test.sh` with small counts (`LIVEGATE_RELIABILITY` unset).',
    '',
    `- Run: ${new Date().toISOString()}, commit ${commit}, ${minutes} min${timedOut ? ` — **stopped at the ${LIMIT_MS / 60_000} min limit**` : ''}`,
    `- Machine: ${machineLine()}. Shared with other work while this ran, so latencies are pessimistic.`,
    `- Result: ${report ? `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped` : 'no vitest report (the run was stopped)'}`,
    ...(failed.length ? ['', 'Failed:', '', ...failed.map((f) => `- ${f}`)] : []),
    '',
    '## Fuzz (fast-check, app.inject, SQLite and PostgreSQL)',
    '',
  ];
  if (fuzz?.by_area) {
    lines.push('| store / input | cases | 5xx | answers by status |', '|---|---:|---:|---|');
    for (const [area, t] of Object.entries(fuzz.by_area)) {
      const statuses = Object.entries(t.statuses).sort(([a], [b]) => Number(a) - Number(b)).map(([s, n]) => `${s}: ${n}`).join(', ');
      lines.push(`| ${area} | ${t.cases.toLocaleString('en')} | ${t.five_xx} | ${statuses} |`);
    }
    lines.push('', `Total: **${(fuzz.cases ?? 0).toLocaleString('en')} cases, ${fuzz.five_xx} × 5xx, ${fuzz.crashes} crashes**; every error answer had the error shape (\`{"error":{"code","message","hint"}}\`, or a JSON-RPC error on /mcp that is never -32603).`);
  } else {
    lines.push('No figures (the fuzz suite did not finish).');
  }
  lines.push('', '## Load (one `livegate start`, SQLite, real analysis)', '');
  if (load) {
    const f = load.finish_to_verdict_ms as { n: number; p50: number; p99: number; max: number };
    const w = load.mcp_wait_wake_after_finish_ms as { n: number; p50: number; p99: number };
    const rss = load.rss_mib as { start: number; peak: number; end: number; after_second_round?: number };
    lines.push(
      `- ${load.captures} concurrent captures (recorded real evidence replayed through the capture protocol) and ${load.mcp_clients} concurrent MCP agents (SDK client, Streamable HTTP: verify_human_presence → capture → wait_for_verification → get_verification_result), all at once: ${f.n} captures analysed in ${load.wall_s} s.`,
      `- Errors (5xx, timeouts, refused protocol steps, crashes): captures **${load.capture_errors}**, MCP agents **${load.mcp_errors}**.${(load.error_samples as string[]).length ? ` Samples: ${(load.error_samples as string[]).map((e) => `\`${e}\``).join('; ')}` : ''}`,
      `- Verdicts: ${Object.entries(load.verdicts as Record<string, number>).map(([k, n]) => `${k} × ${n}`).join(', ')}.`,
      `- finish → verdict: p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)} (every analysis queued at once on ${os.cpus().length} cores).`,
      `- wait_for_verification returned after the capture's finish answer: p50 ${ms(w.p50)}, p99 ${ms(w.p99)}.`,
      ...(load.mcp_wait_timeout_overshoot_ms
        ? [`- Waits that timed out answered late by p50 ${ms((load.mcp_wait_timeout_overshoot_ms as { p50: number | null }).p50)}, max ${ms((load.mcp_wait_timeout_overshoot_ms as { max: number | null }).max)} (the server's event-loop lag under this load).`]
        : []),
      ...(load.load_average ? [`- Machine load average (1/5/15 min) before: ${(load.load_average as { before: number[] }).before.join(' / ')}, after: ${(load.load_average as { after: number[] }).after.join(' / ')}.`] : []),
      ...(load.second_round_errors !== null && load.second_round_errors !== undefined
        ? [`- Second identical round: ${load.second_round_errors} errors${(load.second_round_error_samples as string[] | undefined)?.length ? ` (${(load.second_round_error_samples as string[]).map((e) => `\`${e}\``).join('; ')})` : ''}.`]
        : []),
      `- Server RSS: ${rss.start} MiB after warm-up, ${rss.peak} MiB peak, ${rss.end} MiB 5 s after the load${rss.after_second_round !== undefined ? `, ${rss.after_second_round} MiB after a second identical round` : ''}.`,
    );
  } else {
    lines.push('No figures (the load suite did not finish).');
  }
  lines.push('', '## Faults', '');
  const fault = (k: string) => faults[k];
  for (const store of ['sqlite', 'postgres']) {
    const c = fault(`${store}/kill9_mid_capture`);
    if (c) lines.push(`- **kill -9 mid-capture (${store})**: ${c.sessions} sessions and an attempt with ${c.chunks_acked_before_kill} acknowledged chunks (one more in flight) when \`livegate start\` was killed; after the restart sessions lost: ${c.sessions_lost}, chunks lost: ${c.chunks_lost}; the capture finished (${c.final_status}).`);
    const d = fault(`${store}/kill9_mid_delivery`);
    if (d) lines.push(`- **kill -9 mid-delivery (${store})**: ${d.events} webhook events, ${d.requests_in_flight_at_kill} requests held open by the receiver when the process was killed; after the restart ${d.acknowledged} acknowledged, ${d.acknowledged_twice} twice, ${d.lost} lost.`);
  }
  const r = fault('postgres/database_restart_under_load');
  if (r) {
    lines.push(
      `- **PostgreSQL restarted under load** (${r.loops} request loops, database down ${ms(r.database_down_ms as number)}): ${r.requests} requests, ${r.ok} answered 2xx, ${r.service_unavailable_503} answered 503 \`service_unavailable\` with Retry-After, ${r.other_failures} other failures, ${r.hangs} hangs; slowest answer ${ms(r.max_latency_ms as number)}; first success ${ms(r.recovered_ms_after_database_up as number)} after the database was back; same process throughout: ${r.same_process ? 'yes' : 'no'}.`,
    );
  }
  lines.push('', '## Two instances on one PostgreSQL', '');
  const wait = fault('postgres/two_instances_wait');
  if (wait) lines.push(`- An MCP \`wait_for_verification\` on instance A returned \`${wait.status}\` (${wait.verdict}) ${ms(wait.woke_ms_after_finish as number)} after a real capture finished on instance B (session change feed: LISTEN/NOTIFY).`);
  const hooks = fault('postgres/two_instances_webhooks');
  if (hooks) lines.push(`- ${hooks.events} sessions created on one instance and cancelled on the other: ${hooks.delivered} webhook events delivered, ${hooks.delivered_twice} twice, ${hooks.requests_received} requests received in all (both instances run the delivery loop and the recovery sweep).`);
  lines.push(
    '',
    '## Security matrix',
    '',
    '- Scopes × every REST endpoint and MCP tool (keys holding one scope each), no key, a revoked key and a forged key: test/reliability/security-access.test.ts.',
    '- Tenant isolation on SQLite and PostgreSQL (sessions, attestations, policies, webhooks; REST and MCP): same file.',
    '- JWT attack list against verifyAttestation (alg none, HS256 with the public key, unknown kid, jku/x5u/jwk headers never fetched, r=s=0, expired, future nbf, wrong audience/action/nonce/issuer, tampering): test/reliability/security-jwt.test.ts.',
    '- Webhook SSRF targets (loopback, link-local, private, CGNAT, ULA, unspecified, decimal/hex/octal forms, internal names): test/reliability/security-ssrf.test.ts.',
    '- No API key, capture token, whsec_ secret or signing key in a real server\'s trace-level logs through a full flow: test/reliability/security-logs.test.ts.',
    '',
  );
  return lines.join('\n');
}

/**
 * The generated part sits between markers; whatever follows the end marker (notes written by
 * hand about a run) is kept.
 */
function withNotes(generated: string): string {
  const begin = '<!-- reliability:begin -->';
  const end = '<!-- reliability:end -->';
  let notes = '';
  try {
    const previous = readFileSync(OUT_FILE, 'utf8');
    const at = previous.indexOf(end);
    if (at >= 0) notes = previous.slice(at + end.length);
  } catch {
    /* first run */
  }
  return `${begin}\n${generated.trimEnd()}\n${end}${notes || '\n'}`;
}

function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}
