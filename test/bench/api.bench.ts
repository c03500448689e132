// `npm run bench:api`: session creates/s and status reads/s with autocannon on loopback against
// a real `livegate start` child process (SQLite, then PostgreSQL), each run next to its anchor (a
// bare Fastify JSON route in its own child process, same autocannon settings), plus ES256
// signs/verifies per second beside bare `jose` (sign.bench.ts). Writes the "API" and "Signing"
// sections of docs/BENCHMARKS.md.
import autocannon from 'autocannon';
import { KEY_CACHE_MS } from '../../server/auth/api-keys.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { startBareFastify, type BareFastify } from './lib/bare-fastify.ts';
import { loadLine, machineLine, median, ratio, writeBenchSection } from './lib/report.ts';
import { startBenchServer } from './lib/server.ts';
import { measureSigning, signingSection } from './sign.bench.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 32;

async function cannon(options: autocannon.Options): Promise<number> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses and ${result.errors} errors during the run`);
  return result.requests.average;
}

async function measureBackend(label: string, env: Record<string, string>, bare: BareFastify) {
  const server = await startBenchServer(env);
  try {
    const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', user_identifier: 'bench-user' });
    const created = await (await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body })).json();
    const creates: number[] = [];
    const reads: number[] = [];
    const anchor: number[] = [];
    await cannon({ url: bare.url, duration: 1 }); // warm-up: JIT in the anchor process
    for (let run = 0; run < RUNS; run++) {
      anchor.push(await cannon({ url: bare.url }));
      creates.push(await cannon({ url: `${server.url}/v1/sessions`, method: 'POST', headers, body }));
      reads.push(await cannon({ url: `${server.url}/v1/sessions/${created.session_id}`, headers }));
      process.stderr.write(`  ${label} run ${run + 1}/${RUNS}: ${creates.at(-1)!.toFixed(0)} creates/s, ${reads.at(-1)!.toFixed(0)} reads/s; bare Fastify ${anchor.at(-1)!.toFixed(0)} req/s\n`);
    }
    return { label, creates: median(creates), reads: median(reads), anchor: median(anchor) };
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
  (r) => `| ${r.label} | ${r.creates.toFixed(0)} | ${ratio(r.creates, r.anchor)} | ${r.reads.toFixed(0)} | ${ratio(r.reads, r.anchor)} | ${r.anchor.toFixed(0)} |`,
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

To size other hardware, run the anchor there (any bare Fastify JSON route under autocannon with
${CONNECTIONS} connections) and multiply by the ratios.

Targets on 2 cores: SQLite creates ${verdict(sqlite.creates, 2000)}; SQLite status reads ${verdict(sqlite.reads, 10000)}.

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
