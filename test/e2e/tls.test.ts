// Direct TLS as an operator runs it: the real `livegate start --tls-cert --tls-key` with a
// self-signed certificate, the API over https (trusting exactly that certificate), and the
// verification page loading over https in real Chromium, a secure context where the camera opens.
// Also the start-time checks: a key that does not match, and the warning for a public URL that
// is neither https nor localhost.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTls } from '../../server/tls.ts';
import { BASE_CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.ts';
import { livegate, startLivegate, stopChild } from '../helpers/cli.ts';
import { ensureCaptureBuilt, SHARED_MODELS } from '../helpers/livegate-server.ts';
import { freePort } from '../helpers/ports.ts';
import { selfSignedCert, type SelfSigned } from '../helpers/tls.ts';
import { noFaceY4m } from '../helpers/y4m.ts';
import { waitForView } from './page-driver.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = existsSync(path.join(ROOT, 'models/face_landmarker.task')) ? path.join(ROOT, 'models') : SHARED_MODELS;

const start = (args: string[]) => startLivegate(['--models', MODELS, ...args], { LIVEGATE_PUBLIC_URL: '' });

/** An https request that trusts only the test certificate (no verification switched off). */
function httpsJson(url: string, ca: Buffer, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: { 'content-type': 'application/json', ...init.headers }, ca }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(init.body === undefined ? undefined : JSON.stringify(init.body));
  });
}

describe('livegate start with --tls-cert/--tls-key', () => {
  let tls: SelfSigned;
  let server: { child: ChildProcess; output: () => string };
  let origin: string;
  let key: string;
  let browser: Browser;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-tls-data-'));

  beforeAll(async () => {
    await ensureCaptureBuilt();
    tls = await selfSignedCert();
    const port = await freePort();
    server = await start(['--data', dataDir, '--port', String(port), '--tls-cert', tls.cert, '--tls-key', tls.key]);
    origin = `https://127.0.0.1:${port}`;
    key = /^\s+(lg_\S+)$/m.exec(server.output())![1];
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...BASE_CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${await noFaceY4m()}`] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (server) await stopChild(server.child);
    rmSync(dataDir, { recursive: true, force: true });
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  it('serves https with the public URL defaulting to https, and no insecure-URL warning', async () => {
    expect(server.output()).toContain(`Livegate ${origin} `);
    expect(server.output()).not.toMatch(/neither https nor localhost/);
    const health = await httpsJson(`${origin}/healthz`, readFileSync(tls.cert));
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('loads the verification page over https in Chromium: a secure context where the camera opens', async () => {
    const created = await httpsJson(`${origin}/v1/sessions`, readFileSync(tls.cert), { method: 'POST', headers: { 'x-api-key': key }, body: { action_description: 'Approve: open the vault' } });
    expect(created.status).toBe(201);
    const url = (created.body as { verification_url: string }).verification_url;
    expect(url.startsWith(`${origin}/`)).toBe(true);

    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    await context.grantPermissions(['camera'], { origin });
    try {
      const page = await context.newPage();
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      expect(response?.url().startsWith('https://')).toBe(true);
      await waitForView(page, (v) => v.state === 'intro', 30_000);
      expect(await page.evaluate(() => globalThis.isSecureContext)).toBe(true);
      expect(await page.textContent('body')).toContain('Approve: open the vault');
      // The camera opens (no insecure_context screen): the page moves past its intro.
      await page.click('#start');
      const { last } = await waitForView(page, (v) => v.state !== 'intro', 30_000);
      expect(last.error).not.toBe('insecure_context');
    } finally {
      await context.close();
    }
  }, 90_000);
});

describe('TLS and public URL checks at start', () => {
  it('refuses a key that does not belong to the certificate, naming the fix', async () => {
    const a = await selfSignedCert({ name: 'a' });
    const b = await selfSignedCert({ dir: a.dir, name: 'b' });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-tls-bad-'));
    try {
      const r = await livegate(['start', '--data', dataDir, '--port', String(await freePort()), '--tls-cert', a.cert, '--tls-key', b.key]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/does not belong to the certificate/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const half = await livegate(['start', '--data', dataDir, '--tls-cert', a.cert]);
      expect(half.code).toBe(2);
      expect(half.stderr).toMatch(/tlsKey \(flag or LIVEGATE_TLS_KEY\): direct TLS needs both/);
      // Expiry: the same certificate, checked with a clock past its end.
      expect(() => loadTls({ tlsCert: a.cert, tlsKey: a.key }, Date.now() + 5 * 86_400_000)).toThrow(/expired on/);
      expect(loadTls({ tlsCert: a.cert, tlsKey: a.key })).toBeDefined();
    } finally {
      rmSync(a.dir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('warns when the public URL is neither https nor localhost (cameras need a secure context)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-insecure-'));
    const port = await freePort();
    const s = await start(['--data', dataDir, '--port', String(port), '--public-url', 'http://192.168.1.20:8787']);
    try {
      expect(s.output()).toMatch(/warning: the public URL http:\/\/192\.168\.1\.20:8787 is neither https nor localhost/);
      expect(s.output()).toMatch(/--tls-cert\/--tls-key/);
    } finally {
      await stopChild(s.child);
    }
    // Plain http on localhost is a secure context: no warning. With --metrics-port, GET /metrics
    // is served there without an API key (and only that).
    const metricsPort = await freePort();
    const local = await start(['--data', dataDir, '--port', String(port), '--metrics-port', String(metricsPort)]);
    try {
      expect(local.output()).not.toMatch(/neither https nor localhost/);
      expect(local.output()).toContain(`Metrics   http://127.0.0.1:${metricsPort}/metrics`);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE livegate_sessions gauge');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/whoami`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    } finally {
      await stopChild(local.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
