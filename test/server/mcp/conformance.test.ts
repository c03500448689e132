// The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
// against the real server: `livegate start`'s app on loopback behind a proxy that adds the API
// key (the suite has no header option). Scenarios that need the suite's own fixture tools,
// prompts or resources are listed in conformance-expected-failures.yml; the suite fails on an
// unexpected failure and on a listed scenario that passes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SUITE = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const EXPECTED_FAILURES = fileURLToPath(new URL('./conformance-expected-failures.yml', import.meta.url));

/** A loopback proxy that forwards everything (Host included) and adds `Authorization: Bearer key`. */
async function keyAddingProxy(target: URL, key: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${key}` } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('MCP conformance suite (server scenarios)', () => {
  let t: TestApp;
  let proxy: Awaited<ReturnType<typeof keyAddingProxy>>;
  let outDir: string;

  beforeAll(async () => {
    t = await createTestApp({ mcpRateLimitPerMin: 100_000 }, { analyzer: false });
    proxy = await keyAddingProxy(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })), t.key);
    outDir = mkdtempSync(path.join(tmpdir(), 'livegate-conformance-'));
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('passes every scenario that applies to Livegate', async () => {
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [SUITE, 'server', '--suite', 'all', '--url', `${proxy.url}/mcp`, '--expected-failures', EXPECTED_FAILURES, '--output-dir', outDir],
        { cwd: outDir, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
        (_err, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}\n${stderr}` }),
      );
    });
    // On failure the suite's own summary says which scenario and check.
    expect(run.code, run.output.slice(-6000)).toBe(0);
    for (const scenario of ['server-initialize', 'tools-list', 'completion-complete', 'resources-subscribe', 'resources-unsubscribe', 'prompts-list', 'dns-rebinding-protection']) {
      expect(run.output).toContain(`✓ ${scenario}: `);
      expect(run.output).not.toMatch(new RegExp(`✓ ${scenario}: 0 passed`));
    }
  }, 300_000);
});
