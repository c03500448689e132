// `npm run bench:api`: session creates/s and status reads/s with autocannon on loopback against
// a real `livegate start` child process (SQLite, then PostgreSQL), each run next to its anchor (a
// bare Fastify JSON route in its own child process, same autocannon settings), plus ES256
// signs/verifies per second beside bare `jose` (sign.bench.ts). Writes the "API" and "Signing"
// sections of docs/BENCHMARKS.md.
import autocannon from 'autocannon';
import { KEY_CACHE_MS } from '../../server/auth/api-keys.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { startBareFastify, type BareFastify } from './lib/bare-fastify.ts';
import { loadLine, machineLine, median, processCpuSeconds, ratio, writeBenchSection } from './lib/report.ts';
import { startBenchServer } from './lib/server.ts';
import { measureSigning, signingSection } from './sign.bench.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 32;

interface Rate {
  perS: number;
  /** CPU microseconds the server process spent per request (its own threads; not PostgreSQL's). */
  cpuUs: number;
}

async function cannon(options: autocannon.Options, serverPid: number | undefined): Promise<Rate> {
  const cpuBefore = processCpuSeconds(serverPid);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  const cpuAfter = processCpuSeconds(serverPid);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses and ${result.errors} errors during the run`);
  const cpuUs = cpuBefore === null || cpuAfter === null ? Number.NaN : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total;
  return { perS: result.requests.average, cpuUs };
}

const medianOf = (runs: Rate[]): Rate => ({ perS: median(runs.map((r) => r.perS)), cpuUs: median(runs.map((r) => r.cpuUs)) });

async function measureBackend(label: string, env: Record<string, string>, bare: BareFastify) {
  const server = await startBenchServer(env);
  try {
    const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', user_identifier: 'bench-user' });
    const created = await (await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body })).json();
    const creates: Rate[] = [];
    const reads: Rate[] = [];
    const anchor: Rate[] = [];
    await cannon({ url: bare.url, duration: 1 }, bare.child.pid); // warm-up: JIT in the anchor process
    for (let run = 0; run < RUNS; run++) {
      anchor.push(await cannon({ url: bare.url }, bare.child.pid));
      creates.push(await cannon({ url: `${server.url}/v1/sessions`, method: 'POST', headers, body }, server.child.pid));
      reads.push(await cannon({ url: `${server.url}/v1/sessions/${created.session_id}`, headers }, server.child.pid));
      const [c, r, a] = [creates.at(-1)!, reads.at(-1)!, anchor.at(-1)!];
      process.stderr.write(
        `  ${label} run ${run + 1}/${RUNS}: ${c.perS.toFixed(0)} creates/s (${c.cpuUs.toFixed(0)} µs CPU each), ${r.perS.toFixed(0)} reads/s (${r.cpuUs.toFixed(0)} µs); bare Fastify ${a.perS.toFixed(0)} req/s (${a.cpuUs.toFixed(0)} µs)\n`,
      );
    }
    return { label, creates: medianOf(creates), reads: medianOf(reads), anchor: medianOf(anchor) };
  } finally {
    await server.stop();
  }
}

// Signing first, on a quiet machine: measured after the HTTP runs it read the load they left
// behind (1,838 signs/s at a load average of 2.6 against ~7,900 quiet).
process.stderr.write('bench:api: ES256\n');
const signing = await measureSigning({ runs: RUNS });

const results = [];
const bare = await startBareFastify();
try {
  process.stderr.write('bench:api: SQLite\n');
  results.push(await measureBackend('SQLite', {}, bare));
  process.stderr.write('bench:api: PostgreSQL (throwaway cluster)\n');
  const pg = await startPostgres();
  try {
    // PostgreSQL deployments must share a key-encryption key (the server refuses to start without one).
    const kek = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
    results.push(await measureBackend('PostgreSQL', { DATABASE_URL: pg.url, LIVEGATE_KEK: kek }, bare));
  } finally {
    await pg.stop();
  }
} finally {
  await bare.stop();
}
const load = loadLine();
const verdict = (value: number, target: number) => (value >= target ? `meets ≥ ${target.toLocaleString('en')}` : `**misses** ≥ ${target.toLocaleString('en')}`);
const rows = results.map(
  (r) =>
    `| ${r.label} | ${r.creates.perS.toFixed(0)} | ${ratio(r.creates.perS, r.anchor.perS)} | ${r.reads.perS.toFixed(0)} | ${ratio(r.reads.perS, r.anchor.perS)} | ${r.anchor.perS.toFixed(0)} |`,
);
const cpuRows = results.map(
  (r) =>
    `| ${r.label} | ${r.creates.cpuUs.toFixed(0)} | ${ratio(r.creates.cpuUs, r.anchor.cpuUs)} | ${r.reads.cpuUs.toFixed(0)} | ${ratio(r.reads.cpuUs, r.anchor.cpuUs)} | ${r.anchor.cpuUs.toFixed(0)} |`,
);
const sqlite = results[0];
const body = `
Machine: ${machineLine()}. Command: \`npm run bench:api\`. Date: ${new Date().toISOString().slice(0, 10)}.
autocannon on loopback, ${CONNECTIONS} keep-alive connections, ${DURATION_S} s per run, median of ${RUNS} runs; the server is a real
\`livegate start\` child process (logging off, rate limit raised), so client and server share the 2 cores.
Anchor: a bare Fastify JSON route (\`GET /\` answering a status-sized object; no auth, store, validation or
logging) in its own child process, measured with the same settings just before each Livegate run; the
ratios are Livegate over that anchor (median over median), ${load} at the end.

| storage | session creates/s | × bare Fastify | status reads/s | × bare Fastify | bare Fastify JSON route (req/s) |
|---|---|---|---|---|---|
${rows.join('\n')}

The same runs as CPU time of the server process per request (user + system from /proc, all its threads;
PostgreSQL's own processes not included), which is what sizing per core needs: the rates above are bounded
by the load generator sharing the cores as much as by the server (the bare route especially).

| storage | CPU µs per create | × bare Fastify | CPU µs per status read | × bare Fastify | bare Fastify JSON route (CPU µs per request) |
|---|---|---|---|---|---|
${cpuRows.join('\n')}

To size other hardware, run the anchor there (\`node test/bench/lib/bare-fastify.ts 3000\` and
\`npx autocannon -c ${CONNECTIONS} http://127.0.0.1:3000/\`) and scale by the ratios.

Targets on 2 cores: SQLite creates ${verdict(sqlite.creates.perS, 2000)}; SQLite status reads ${verdict(sqlite.reads.perS, 10000)}.

What a status read costs: one SQLite query for the status columns only (API-key rows are cached
for ${KEY_CACHE_MS / 1000} s after a lookup; the secret is still hashed and compared on every request), Fastify
routing, zod response validation and the rate limiter, on one Node process, while the load generator
takes the other core. Run it on a quiet machine: figures taken while other work loaded these 2 cores
came out at a third of these (1,024 creates/s and 2,955 reads/s on 2026-11-22). Beyond this, one
server process per core (stateless instances share the store) is the next step.
`;
writeBenchSection('API', body);
// The signing figures (target ≥ 3,000 signs/s) get their own section, written by the same run.
const signingBody = signingSection(signing).replace(/^## Signing\n/, '');
writeBenchSection('Signing', signingBody);
process.stdout.write(`${body}\n## Signing\n${signingBody}`);
