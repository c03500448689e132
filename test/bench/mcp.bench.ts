// `npm run bench:mcp`: MCP tools/call throughput over Streamable HTTP. A real `livegate start`
// child process (SQLite, logging off, MCP rate limit raised); autocannon drives
// check_verification_status on one pending session through keep-alive connections, each with
// its own MCP session (mcp-session-id), unique JSON-RPC ids per request. Writes the "MCP"
// section of docs/BENCHMARKS.md.
import os from 'node:os';
import autocannon from 'autocannon';
import { machineLine, median, processCpuSeconds, ratio, writeBenchSection } from './lib/report.ts';
import { startBenchServer, type BenchServer } from './lib/server.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TARGET_CALLS_PER_S = 1_000;
const PROTOCOL = '2025-11-25';

/** Opens an MCP session the way a client does (initialize + initialized); returns its id. */
async function openMcpSession(server: BenchServer): Promise<string> {
  const headers = { authorization: `Bearer ${server.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  });
  await init.text();
  const id = init.headers.get('mcp-session-id');
  if (!id) throw new Error(`initialize failed: ${init.status}`);
  const ack = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ack.text();
  return id;
}

interface Run {
  callsPerS: number;
  /** CPU microseconds of the server process per call (all its threads). */
  cpuUs: number;
  p50: number;
  p99: number;
}

async function measure(server: BenchServer, sessionIds: string[], toolSessionId: string): Promise<Run> {
  let nextRpcId = 1;
  let nextConnection = 0;
  let wrong = 0;
  const cpuBefore = processCpuSeconds(server.child.pid);
  const result = await autocannon({
    url: `${server.url}/mcp`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const ctx = context as { session?: string };
          ctx.session ??= sessionIds[nextConnection++ % sessionIds.length];
          return {
            ...request,
            headers: {
              authorization: `Bearer ${server.key}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-session-id': ctx.session,
              'mcp-protocol-version': PROTOCOL,
            },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: nextRpcId++,
              method: 'tools/call',
              params: { name: 'check_verification_status', arguments: { session_id: toolSessionId } },
            }),
          };
        },
        onResponse: (status, body) => {
          if (status !== 200 || !body.includes('\\"status\\":\\"pending\\"') || body.includes('"isError":true')) wrong++;
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || wrong > 0) {
    throw new Error(`${result.non2xx} non-2xx responses, ${result.errors} errors, ${wrong} wrong tool results during the run`);
  }
  return { callsPerS: result.requests.average, cpuUs: cpuPerRequest(cpuBefore, server, result.requests.total), p50: result.latency.p50, p99: result.latency.p99 };
}

function cpuPerRequest(before: number | null, server: BenchServer, requests: number): number {
  const after = processCpuSeconds(server.child.pid);
  return before === null || after === null ? Number.NaN : ((after - before) * 1e6) / requests;
}

/** The same read over REST on the same server, as a yardstick for the MCP layer's cost. */
async function measureRest(server: BenchServer, toolSessionId: string): Promise<Run> {
  const cpuBefore = processCpuSeconds(server.child.pid);
  const result = await autocannon({
    url: `${server.url}/v1/sessions/${toolSessionId}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${server.key}` },
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses and ${result.errors} errors during the REST run`);
  return { callsPerS: result.requests.average, cpuUs: cpuPerRequest(cpuBefore, server, result.requests.total), p50: result.latency.p50, p99: result.latency.p99 };
}

const server = await startBenchServer();
const runs: Run[] = [];
const restRuns: Run[] = [];
try {
  const created = await (
    await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', timeout: 600 }),
    })
  ).json();
  const sessionIds = await Promise.all(Array.from({ length: CONNECTIONS }, () => openMcpSession(server)));
  await measure(server, sessionIds, created.session_id).catch((err) => {
    throw new Error(`warm-up failed: ${(err as Error).message}`);
  });
  for (let run = 0; run < RUNS; run++) {
    runs.push(await measure(server, sessionIds, created.session_id));
    restRuns.push(await measureRest(server, created.session_id));
    const last = runs.at(-1)!;
    const rest = restRuns.at(-1)!;
    process.stderr.write(
      `  run ${run + 1}/${RUNS}: MCP ${last.callsPerS.toFixed(0)} calls/s (${last.cpuUs.toFixed(0)} µs CPU, p50 ${last.p50} ms, p99 ${last.p99} ms); REST ${rest.callsPerS.toFixed(0)} reads/s (${rest.cpuUs.toFixed(0)} µs)\n`,
    );
  }
} finally {
  await server.stop();
}

const calls = median(runs.map((r) => r.callsPerS));
const p50 = median(runs.map((r) => r.p50));
const p99 = median(runs.map((r) => r.p99));
const cpuUs = median(runs.map((r) => r.cpuUs));
const rest = { callsPerS: median(restRuns.map((r) => r.callsPerS)), cpuUs: median(restRuns.map((r) => r.cpuUs)), p50: median(restRuns.map((r) => r.p50)), p99: median(restRuns.map((r) => r.p99)) };
const load = os.loadavg()[0];
const body = `
Machine: ${machineLine()}. Command: \`npm run bench:mcp\`. Date: ${new Date().toISOString().slice(0, 10)}.
autocannon on loopback, ${CONNECTIONS} keep-alive connections (one MCP session each, unique JSON-RPC ids), ${DURATION_S} s per run,
median of ${RUNS} runs after a warm-up run; the server is a real \`livegate start\` child process (SQLite, logging off,
MCP rate limit raised), so client and server share the cores. Each call is a full \`tools/call\` of
\`check_verification_status\` over Streamable HTTP (SSE response): rate limit, Host check, API key lookup, session
transport, zod input/output validation, a SQLite read.

| same read, same server, same run | per second | × REST | server CPU µs per call | × REST | p50 | p99 |
|---|---|---|---|---|---|---|
| MCP \`tools/call\` check_verification_status | ${calls.toFixed(0)} | ${ratio(calls, rest.callsPerS)} | ${cpuUs.toFixed(0)} | ${ratio(cpuUs, rest.cpuUs)} | ${p50} ms | ${p99} ms |
| REST \`GET /v1/sessions/:id\` (anchor) | ${rest.callsPerS.toFixed(0)} | 1.00× | ${rest.cpuUs.toFixed(0)} | 1.00× | ${rest.p50} ms | ${rest.p99} ms |

The anchor is the REST read, measured right after each MCP run with the same connections; server CPU is the
\`livegate start\` process's user + system time (/proc) over the run divided by the requests. The REST read is in
turn anchored to a bare Fastify route in the API section, so an MCP call's CPU on other hardware ≈ the bare
route's CPU per request there × (status read × bare Fastify, API section) × (× REST here).

One-minute load average when the run ended: ${load.toFixed(1)} (the machine is shared; the REST row shows what the
same moment allowed).

Target on 2 cores: ≥ ${TARGET_CALLS_PER_S.toLocaleString('en')} calls/s: **${calls >= TARGET_CALLS_PER_S ? 'met' : 'missed'}**.
`;
writeBenchSection('MCP', body);
process.stdout.write(body);
