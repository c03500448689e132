// Load: a real `livegate start` (SQLite, real analysis with the models) under concurrent captures
// driven through the capture protocol with recorded real evidence, and concurrent MCP clients
// (the real SDK client over Streamable HTTP) running verify -> wait -> result, whose sessions
// are captured the same way. Errors are 5xx, timeouts, refused protocol steps and crashes;
// a verdict (live, spoof, or a refusal such as integrity:replayed_evidence) is not an error.
// Small in the normal run; 100 captures + 200 MCP clients under `npm run test:reliability`.
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { openStore } from '../../server/store/index.ts';
import { startLivegateProcess, type LivegateProcess } from './lib/livegate-process.ts';
import { loadRecording, percentile, replayCapture, type Recording, type ReplayOutcome } from './lib/replay.ts';
import { FULL, recordFigures, scale } from './lib/scale.ts';

const CAPTURES = scale(4, 100);
const MCP_CLIENTS = scale(6, 200);

let server: LivegateProcess;
let recording: Recording;
let dataDir: string;

beforeAll(async () => {
  recording = await loadRecording();
  dataDir = mkdtempSync(join(tmpdir(), 'livegate-load-'));
  server = await startLivegateProcess({ dataDir });
}, 300_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function restSession(key: string): Promise<{ session_id: string; token: string }> {
  const res = await fetch(`${server.origin}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action_description: 'Approve: load test capture', frame_count: recording.recorded.frame_count, risk_level: recording.recorded.risk_level }),
  });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`);
  const created = (await res.json()) as { session_id: string; verification_url: string };
  return { session_id: created.session_id, token: new URL(created.verification_url).hash.slice(1) };
}

interface McpRun {
  error: string | null;
  status: string | null;
  verdict: string | null;
  result: 'attestation' | string | null;
  capture: ReplayOutcome | null;
  /** The capture's finish answer -> wait_for_verification returning, ms. */
  wake_ms: number | null;
  /** How late a wait that timed out answered past its timeout_s (the server's lag), ms. */
  wait_overshoot_ms: number[];
}

/** The wait an agent asks for; it calls again while timed_out (the SDK's request timeout is 60 s). */
const WAIT_S = 25;

const structured = (r: CallToolResult) => {
  if (r.isError) throw new Error(`tool error: ${JSON.stringify(r._meta ?? r.content).slice(0, 200)}`);
  return r.structuredContent as Record<string, unknown>;
};

/** One agent: verify_human_presence, the person's capture, wait_for_verification, get_verification_result. */
async function mcpAgent(key: string, index: number): Promise<McpRun> {
  const run: McpRun = { error: null, status: null, verdict: null, result: null, capture: null, wake_ms: null, wait_overshoot_ms: [] };
  const client = new Client({ name: `load-agent-${index}`, version: '1.0.0' });
  let step = 'connect';
  const started = performance.now();
  const transport = new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  try {
    await client.connect(transport);
    step = 'verify_human_presence';
    const created = structured((await client.callTool({ name: 'verify_human_presence', arguments: { action_description: `Approve: agent ${index} deploys` } })) as CallToolResult);
    const sessionId = String(created.session_id);
    const token = new URL(String(created.verification_url)).hash.slice(1);
    let finishedAt = 0;
    const capture = replayCapture({ origin: server.origin, session_id: sessionId, token }, recording).then((o) => {
      finishedAt = performance.now();
      return o;
    });
    step = 'wait_for_verification';
    let waited: Record<string, unknown> = {};
    for (let round = 0; round < 16; round++) {
      const asked = performance.now();
      waited = structured((await client.callTool({ name: 'wait_for_verification', arguments: { session_id: sessionId, timeout_s: WAIT_S } })) as CallToolResult);
      if (!waited.timed_out) break;
      run.wait_overshoot_ms.push(Math.max(0, performance.now() - asked - WAIT_S * 1000));
    }
    const woke = performance.now();
    run.capture = await capture;
    if (run.capture.error) throw new Error(`capture: ${run.capture.error}`);
    run.wake_ms = finishedAt > 0 ? Math.max(0, woke - finishedAt) : null;
    run.status = String(waited.status);
    run.verdict = (waited.verdict as string | undefined) ?? null;
    if (waited.timed_out) throw new Error(`wait_for_verification still waiting (status ${run.status})`);
    if (run.status === 'completed') {
      step = 'get_verification_result';
      const result = structured((await client.callTool({ name: 'get_verification_result', arguments: { session_id: sessionId } })) as CallToolResult);
      run.result = typeof result.signature === 'string' && result.signature.startsWith('ey') ? 'attestation' : 'no signature';
      if (run.result !== 'attestation') throw new Error('completed without an attestation');
    }
  } catch (err) {
    run.error = `${step} after ${Math.round((performance.now() - started) / 1000)} s: ${(err as Error).message.slice(0, 300)}`;
  } finally {
    await transport.terminateSession().catch(() => undefined); // frees the MCP session slot at once
    await client.close().catch(() => undefined);
  }
  return run;
}

/**
 * Agents spread over tenants and keys as real deployments have them (one agent fleet per
 * tenant): 25 agents per key, 50 per tenant, inside the default MCP session caps.
 */
async function agentKeys(agents: number): Promise<string[]> {
  const store = await openStore({ dataDir });
  try {
    const keys: string[] = [];
    for (let i = 0; i < Math.ceil(agents / 25); i++) {
      const tenantId = `load-tenant-${Math.floor(i / 2)}`;
      if (!(await store.getTenant(tenantId))) await store.createTenant({ id: tenantId, name: tenantId, created_at: Date.now() });
      keys.push((await createApiKey(store, { name: `agents ${i}`, scopes: [], tenantId })).key);
    }
    return keys;
  } finally {
    await store.close();
  }
}

const count = <T>(items: T[], key: (t: T) => string) => items.reduce<Record<string, number>>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});

describe('load on one livegate start (SQLite, real analysis)', () => {
  it(`${CAPTURES} concurrent captures of recorded evidence and ${MCP_CLIENTS} concurrent MCP agents: no errors`, async () => {
    const key = server.firstKey!;
    expect(key).toBeTruthy();
    // Warm-up: one capture end to end (workers and models loaded), then memory at start.
    const warm = await replayCapture({ origin: server.origin, ...(await restSession(key)) }, recording);
    expect(warm.error).toBeNull();
    const agentKeysList = await agentKeys(MCP_CLIENTS);
    const rssStart = server.rss();
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, server.rss())), 250);
    // (The peak is sampled through the first round.)

    const round = () =>
      Promise.all([
        Promise.all(
          Array.from({ length: CAPTURES }, async () => {
            try {
              return await replayCapture({ origin: server.origin, ...(await restSession(key)) }, recording);
            } catch (err) {
              return { error: (err as Error).message } as ReplayOutcome;
            }
          }),
        ),
        Promise.all(Array.from({ length: MCP_CLIENTS }, (_, i) => mcpAgent(agentKeysList[Math.floor(i / 25)], i))),
      ]);
    const loadBefore = os.loadavg().map((v) => Math.round(v * 10) / 10);
    const t0 = performance.now();
    const [captures, agents] = await round();
    const wallS = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    // Memory once the load is over and the server has had a moment.
    await new Promise((r) => setTimeout(r, 5_000));
    const rssEnd = server.rss();
    // Flat memory: a second identical round must not keep what the first one left (full run only).
    let second: { errors: string[]; rss: number } | null = null;
    if (FULL) {
      const [c2, a2] = await round();
      await new Promise((r) => setTimeout(r, 5_000));
      second = { errors: [...c2, ...a2].filter((x) => x.error).map((x) => String(x.error)), rss: server.rss() };
    }
    const health = await fetch(`${server.origin}/healthz`);

    const allCaptures = [...captures, ...agents.map((a) => a.capture).filter((c): c is ReplayOutcome => c !== null)];
    const finishMs = allCaptures.map((c) => c.finish_ms).filter((v): v is number => v !== null);
    const wakeMs = agents.map((a) => a.wake_ms).filter((v): v is number => v !== null);
    const overshootMs = agents.flatMap((a) => a.wait_overshoot_ms);
    const captureErrors = captures.filter((c) => c.error).map((c) => c.error);
    const agentErrors = agents.filter((a) => a.error).map((a) => a.error);
    const figures = {
      store: 'sqlite',
      captures: CAPTURES,
      mcp_clients: MCP_CLIENTS,
      capture_errors: captureErrors.length,
      mcp_errors: agentErrors.length,
      error_samples: [...captureErrors, ...agentErrors].slice(0, 5),
      verdicts: count(allCaptures, (c) => `${c.status ?? 'none'}/${c.verdict ?? 'none'}${c.failure_reasons?.length ? ` (${c.failure_reasons.join(', ')})` : ''}`),
      finish_to_verdict_ms: { n: finishMs.length, p50: percentile(finishMs, 50), p99: percentile(finishMs, 99), max: percentile(finishMs, 100) },
      mcp_wait_wake_after_finish_ms: { n: wakeMs.length, p50: percentile(wakeMs, 50), p99: percentile(wakeMs, 99) },
      mcp_wait_timeout_overshoot_ms: { n: overshootMs.length, p50: percentile(overshootMs, 50), max: percentile(overshootMs, 100) },
      load_average: { before: loadBefore, after: os.loadavg().map((v) => Math.round(v * 10) / 10) },
      wall_s: Math.round(wallS * 10) / 10,
      rss_mib: { start: mib(rssStart), peak: mib(rssPeak), end: mib(rssEnd), ...(second ? { after_second_round: mib(second.rss) } : {}) },
      second_round_errors: second?.errors.length ?? null,
      second_round_error_samples: second?.errors.slice(0, 5) ?? [],
      full: FULL,
    };
    recordFigures('load', figures);
    process.stderr.write(`load: ${JSON.stringify(figures)}\n`);

    expect(captureErrors).toEqual([]);
    expect(agentErrors).toEqual([]);
    expect(second?.errors ?? []).toEqual([]);
    expect(health.status).toBe(200);
    for (const c of allCaptures) expect(['completed', 'failed']).toContain(c.status);
    expect(agents.every((a) => a.status === 'completed' || a.status === 'failed')).toBe(true);
  }, FULL ? 1_500_000 : 300_000);
});

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
