// `livegate mcp` over stdio, spawned as the real CLI: embedded (--data) and remote (--url).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadResourceResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS_LIST_BUDGET_BYTES } from '../../../server/mcp/catalog.ts';
import { OUTCOME_GUIDANCE } from '../../../server/mcp/guidance.ts';
import { buildApp } from '../../../server/app.ts';
import { createApiKey } from '../../../server/auth/api-keys.ts';
import { loadConfig } from '../../../server/config.ts';
import { openStore } from '../../../server/store/index.ts';
import type { Store } from '../../../server/store/types.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { livegate } from '../../helpers/cli.ts';
import { freePort } from '../../helpers/ports.ts';
import { errorOf, structured } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'server/cli.ts');
const ACTION = 'Approve: delete the staging database';

interface Spawned {
  client: Client;
  stderr: () => string;
  close(): Promise<void>;
}

async function spawnMcp(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Spawned> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', ...args],
    cwd,
    env: { ...getDefaultEnvironment(), LIVEGATE_LOG_LEVEL: 'silent', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

describe('livegate mcp (stdio, embedded store)', () => {
  let dataDir: string;
  let mcp: Spawned;
  let port: number;
  let page: { app: Awaited<ReturnType<typeof buildApp>>; store: Store } | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-mcp-stdio-'));
    // The page's port: nothing listens there until the test below starts `livegate start` on it.
    port = await freePort();
    mcp = await spawnMcp(['--data', dataDir], { LIVEGATE_PORT: String(port) });
  });
  afterAll(async () => {
    await mcp?.close();
    await page?.app.close();
    await page?.store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the default tenant, acts as it with every scope, and serves every tool and resource', async () => {
    expect(mcp.stderr()).toMatch(/created the default tenant .*first API key \(shown once\): lg_/);
    const me = structured<{ tenant: string; key_id: string; scopes: string[] }>(await mcp.client.callTool({ name: 'whoami', arguments: {} }));
    expect(me).toMatchObject({ tenant: 'default', key_id: 'stdio' });
    expect(me.scopes.sort()).toEqual(['metrics:read', 'policy:write', 'session:audit', 'session:read', 'session:write']);
    expect((await mcp.client.listTools()).tools).toHaveLength(18);
    expect((await mcp.client.listResources()).resources).toHaveLength(4);
  });

  it('hands out a link only once a Livegate serving this data answers at the public URL', async () => {
    const refused = errorOf(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
    expect(refused.code).toBe('service_unavailable');
    expect(refused.message).toContain(`nothing answers at http://127.0.0.1:${port}`);
    expect(refused.hint).toContain(`livegate start --data ${dataDir}`);
    // `livegate start` on the same data and port: the same signing keys answer there.
    const store = await openStore({ dataDir });
    const app = await buildApp({ config: loadConfig({ dataDir, logLevel: 'silent', port }, {}), store, analyzer: false });
    page = { app, store };
    await app.listen({ port, host: '127.0.0.1' });
    const created = structured<{ verification_url: string }>(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
    expect(new URL(created.verification_url).origin).toBe(`http://127.0.0.1:${port}`);
  });

  it('refuses links to a Livegate that serves other data, whatever answers at the public URL', async () => {
    const foreign = await createTestApp({}, { analyzer: false });
    const url = await foreign.app.listen({ port: 0, host: '127.0.0.1' });
    const other = await spawnMcp(['--data', dataDir], { LIVEGATE_PUBLIC_URL: url });
    try {
      const refused = errorOf(await other.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
      expect(refused).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining(`is not serving ${dataDir}`) });
    } finally {
      await other.close();
      await foreign.close();
    }
  });

  it('reads the models of the installation from any working directory, and warns when one is missing', async () => {
    const fromRoot = await spawnMcp(['--data', dataDir], { LIVEGATE_PORT: String(port) }, '/');
    const emptyModels = mkdtempSync(path.join(tmpdir(), 'livegate-no-models-'));
    const without = await spawnMcp(['--data', dataDir], { LIVEGATE_PORT: String(port), LIVEGATE_MODELS: emptyModels }, '/');
    try {
      const checks = structured<{ checks: { available: boolean }[] }>(await fromRoot.client.callTool({ name: 'list_checks', arguments: {} })).checks;
      expect(checks.every((c) => c.available)).toBe(true);
      expect(fromRoot.stderr()).not.toContain('warning');
      expect(structured(await fromRoot.client.callTool({ name: 'health-check', arguments: {} }))).not.toHaveProperty('warnings');

      expect(without.stderr()).toMatch(/warning: check pulse is unavailable: Model face_landmarker.* missing or incomplete in /);
      const health = await without.client.callTool({ name: 'health-check', arguments: {} });
      expect(structured<{ warnings: string[] }>(health).warnings).toHaveLength(4);
      expect((health.content as { text: string }[])[0].text).toMatch(/is up .*, but: check pulse unavailable/);
    } finally {
      await fromRoot.close();
      await without.close();
      rmSync(emptyModels, { recursive: true, force: true });
    }
  });

  it('drives a session pending -> cancelled, with coded errors', async () => {
    const created = structured<{ session_id: string; verification_url: string }>(
      await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }),
    );
    expect(created.verification_url).toContain(`/s/${created.session_id}#`);
    expect(structured(await mcp.client.callTool({ name: 'revoke_session', arguments: { session_id: created.session_id } }))).toMatchObject({ status: 'cancelled' });
    expect(errorOf(await mcp.client.callTool({ name: 'revoke_session', arguments: { session_id: created.session_id } })).code).toBe('session_terminal');
    expect(errorOf(await mcp.client.callTool({ name: 'check_verification_status', arguments: { session_id: 'missing' } })).code).toBe('session_not_found');
    expect(errorOf(await mcp.client.callTool({ name: 'verify_human_presence', arguments: {} })).code).toBe('invalid_request');
  });

  it('sees a completion made by the server process on the same data (wait polls the shared store)', async () => {
    const created = structured<{ session_id: string }>(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
    // A second process-like app on the same SQLite file plays `livegate start` completing it.
    const store = await openStore({ dataDir });
    const app = await buildApp({ config: loadConfig({ dataDir, logLevel: 'silent', port: 0 }, {}), store, analyzer: false });
    try {
      const waiting = mcp.client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 20 } });
      await new Promise((r) => setTimeout(r, 300));
      await app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
      expect(structured(await waiting)).toMatchObject({ status: 'completed', verdict: 'live', timed_out: false });
      const result = structured<{ signature: string }>(await mcp.client.callTool({ name: 'get_verification_result', arguments: { session_id: created.session_id } }));
      expect(structured(await mcp.client.callTool({ name: 'verify_attestation', arguments: { token: result.signature, action_description: ACTION } }))).toMatchObject({
        valid: true,
      });
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('acts as the key in LIVEGATE_API_KEY when set', async () => {
    let store: Store | undefined = await openStore({ dataDir });
    const { key } = await createApiKey(store, { name: 'reader', scopes: ['session:read'], tenantId: 'default' });
    await store.close();
    store = undefined;
    const reader = await spawnMcp(['--data', dataDir], { LIVEGATE_API_KEY: key });
    try {
      expect(structured(await reader.client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ scopes: ['session:read'] });
      expect(errorOf(await reader.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } })).code).toBe('insufficient_scope');
    } finally {
      await reader.close();
    }
  });
});

describe('livegate mcp --serve (stdio, embedded store, serving the page itself)', () => {
  it('hands out verification URLs its own HTTP listener answers: the page and the capture API', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-mcp-serve-'));
    const port = await freePort();
    const mcp = await spawnMcp(['--data', dataDir, '--serve', '--port', String(port)]);
    try {
      const created = structured<{ session_id: string; verification_url: string }>(
        await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }),
      );
      const url = new URL(created.verification_url);
      expect(url.origin).toBe(`http://127.0.0.1:${port}`);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const bootstrap = await fetch(`${url.origin}/v1/capture/${created.session_id}`, { headers: { authorization: `Capture ${url.hash.slice(1)}` } });
      expect(bootstrap.status).toBe(200);
      expect(await bootstrap.json()).toMatchObject({ session_id: created.session_id, status: 'pending', action_description: ACTION });
      expect(mcp.stderr()).toContain(`serving the verification page and API at http://127.0.0.1:${port}`);
    } finally {
      await mcp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses --serve together with --url', async () => {
    const run = await livegate(['mcp', '--serve', '--url', 'http://127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot be combined with --url');
  });
});

describe('livegate mcp --url (stdio, remote Livegate over REST)', () => {
  let t: TestApp;
  let url: string;
  let mcp: Spawned;

  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    mcp = await spawnMcp(['--url', url], { LIVEGATE_API_KEY: t.key });
  });
  afterAll(async () => {
    await mcp?.close();
    await t.close();
  });

  it('behaves like the embedded server: sessions, waits, results, policies, reviews, checks', async () => {
    expect(structured(await mcp.client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ tenant: 'default', public_url: t.app.services.config.publicUrl });
    expect(structured(await mcp.client.callTool({ name: 'health-check', arguments: {} }))).toMatchObject({ status: 'ok' });

    const created = structured<{ session_id: string }>(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
    expect(errorOf(await mcp.client.callTool({ name: 'get_verification_result', arguments: { session_id: created.session_id } })).code).toBe('session_not_completed');
    const waiting = mcp.client.callTool({ name: 'wait_for_verification', arguments: { session_id: created.session_id, timeout_s: 20 } });
    await new Promise((r) => setTimeout(r, 300));
    await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
    expect(structured(await waiting)).toMatchObject({ status: 'completed', timed_out: false });
    const result = structured<{ signature: string }>(await mcp.client.callTool({ name: 'get_verification_result', arguments: { session_id: created.session_id } }));
    expect(structured(await mcp.client.callTool({ name: 'verify_attestation', arguments: { token: result.signature, action_description: ACTION } }))).toMatchObject({ valid: true });
    expect(structured(await mcp.client.callTool({ name: 'verify_attestation', arguments: { token: result.signature, action_description: 'other' } }))).toMatchObject({
      valid: false,
      reason: 'action_mismatch',
    });

    const other = structured<{ session_id: string }>(await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }));
    expect(structured(await mcp.client.callTool({ name: 'revoke_session', arguments: { session_id: other.session_id, reason: 'no' } }))).toMatchObject({ status: 'cancelled' });
    expect(errorOf(await mcp.client.callTool({ name: 'revoke_session', arguments: { session_id: other.session_id } }))).toMatchObject({
      code: 'session_terminal',
      hint: expect.stringContaining('new session'),
    });
    expect(errorOf(await mcp.client.callTool({ name: 'check_verification_status', arguments: { session_id: 'missing' } })).code).toBe('session_not_found');

    const policy = structured<{ policy_id: string; config: { frame_count: number } }>(
      await mcp.client.callTool({ name: 'create_policy', arguments: { name: 'remote', risk_level: 'high' } }),
    );
    expect(policy.config.frame_count).toBe(30);
    expect(structured(await mcp.client.callTool({ name: 'update_policy', arguments: { policy_id: policy.policy_id, max_attempts: 4 } }))).toMatchObject({
      config: { max_attempts: 4 },
    });
    expect(structured<{ policies: unknown[] }>(await mcp.client.callTool({ name: 'list_policies', arguments: {} })).policies).toHaveLength(1);
    expect(errorOf(await mcp.client.callTool({ name: 'get_policy', arguments: { policy_id: 'pol_none' } })).code).toBe('policy_not_found');

    await mcp.client.callTool({ name: 'update_session_status', arguments: { session_id: created.session_id, status: 'approved', note: 'looked fine' } });
    await mcp.client.callTool({ name: 'create_session_review', arguments: { session_id: created.session_id, message: 'filed' } });
    const reviews = structured<{ reviews: { kind: string; decision: string | null }[] }>(
      await mcp.client.callTool({ name: 'list_session_reviews', arguments: { session_id: created.session_id } }),
    );
    expect(reviews.reviews).toMatchObject([{ kind: 'decision', decision: 'approved' }, { kind: 'comment', decision: null }]);
    expect(structured<{ checks: unknown[] }>(await mcp.client.callTool({ name: 'list_checks', arguments: {} })).checks).toHaveLength(4);
  });

  it('speaks to the model as over HTTP: lean list, short verify text, guidance, protocol errors', async () => {
    const { tools } = await mcp.client.listTools();
    expect(Buffer.byteLength(JSON.stringify({ tools }))).toBeLessThanOrEqual(TOOLS_LIST_BUDGET_BYTES);
    const result = await mcp.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } });
    const created = structured<{ session_id: string; verification_url: string }>(result);
    const text = (result.content as { text: string }[])[0].text;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(600);
    expect(text.split(created.verification_url)).toHaveLength(2);
    await t.app.services.sessions.failSession(created.session_id, ['face_not_present']);
    const error = errorOf(await mcp.client.callTool({ name: 'get_verification_result', arguments: { session_id: created.session_id } }));
    expect(error).toMatchObject({ code: 'session_not_completed', hint: OUTCOME_GUIDANCE.failed.replace(/^./, (c) => c.toUpperCase()), details: { status: 'failed' } });
    await expect(mcp.client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    await expect(mcp.client.request({ method: 'resources/read', params: { uri: 42 } } as never, ReadResourceResultSchema)).rejects.toMatchObject({ code: -32602 });
  });

  it('passes the remote scopes through: insufficient_scope', async () => {
    const reader = await spawnMcp(['--url', url], { LIVEGATE_API_KEY: await t.keyWith(['session:read']) });
    try {
      expect(errorOf(await reader.client.callTool({ name: 'verify_human_presence', arguments: { action_description: ACTION } }))).toMatchObject({
        code: 'insufficient_scope',
        details: { required_scope: 'session:write' },
      });
      expect(errorOf(await reader.client.callTool({ name: 'create_policy', arguments: { name: 'x' } })).code).toBe('insufficient_scope');
    } finally {
      await reader.close();
    }
  });

  it('refuses to start without a key, or with a key the server rejects', async () => {
    // Asynchronous: the server answering the CLI runs in this process.
    const run = (extraEnv: Record<string, string>) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, [CLI, 'mcp', '--url', url], { cwd: ROOT, env: { ...getDefaultEnvironment(), LIVEGATE_LOG_LEVEL: 'silent', ...extraEnv } }, (_err, _stdout, stderr) =>
          resolve({ status: child.exitCode, stderr }),
        );
        child.stdin?.end();
      });
    const [noKey, badKey] = await Promise.all([run({}), run({ LIVEGATE_API_KEY: 'lg_bad' })]);
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toMatch(/needs an API key[\s\S]*LIVEGATE_API_KEY/);
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toMatch(/invalid or revoked/);
  });
});

describe('livegate mcp (stdio) on lines that are not JSON-RPC', () => {
  it('answers -32700 to a line that is not JSON and -32600 to JSON that is no message, id null, and goes on serving', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-mcp-raw-'));
    const child = spawn(process.execPath, [CLI, 'mcp', '--data', dataDir], {
      cwd: ROOT,
      env: { ...getDefaultEnvironment(), LIVEGATE_LOG_LEVEL: 'silent', LIVEGATE_PORT: String(await freePort()) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      const answers: Array<{ id: unknown; error?: { code: number; message: string }; result?: unknown }> = [];
      let buffered = '';
      const arrived = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
            answers.push(JSON.parse(buffered.slice(0, nl)));
            buffered = buffered.slice(nl + 1);
          }
          if (answers.length >= 3) resolve();
        });
        child.once('exit', (code) => reject(new Error(`livegate mcp exited (${code}) after ${answers.length} answers`)));
      });
      child.stdin.write('{"jsonrpc": "2.0", "method": "tools/list", "id": 1\n'); // cut short
      child.stdin.write('{"hello": "world"}\n');
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
      await arrived;
      expect(answers[0]).toMatchObject({ id: null, error: { code: -32700 } });
      expect(answers[1]).toMatchObject({ id: null, error: { code: -32600 } });
      expect(answers[2]).toMatchObject({ id: 7, result: { serverInfo: { name: expect.any(String) } } });
    } finally {
      child.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
