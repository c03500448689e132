// The reverse-proxy recipes of docs/DEPLOY.md, as written there (only the certificate, which
// Caddy would fetch from Let's Encrypt, and the ports replaced), in front of a real
// `livegate start` with LIVEGATE_PUBLIC_URL and LIVEGATE_TRUST_PROXY: the API answers through the
// proxy, verification links carry the public https URL, and the page loads through it in
// Chromium as a secure context.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.ts';
import { CLI } from '../helpers/cli.ts';
import { ensureCaptureBuilt, SHARED_MODELS } from '../helpers/livegate-server.ts';
import { freePort } from '../helpers/ports.ts';
import { selfSignedCert, type SelfSigned } from '../helpers/tls.ts';
import { waitForView } from './page-driver.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = existsSync(path.join(ROOT, 'models/face_landmarker.task')) ? path.join(ROOT, 'models') : SHARED_MODELS;
const DEPLOY = readFileSync(path.join(ROOT, 'docs/DEPLOY.md'), 'utf8');

function fenced(lang: string): string {
  const block = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(DEPLOY);
  if (!block) throw new Error(`docs/DEPLOY.md has no ${lang} block`);
  return block[1];
}

interface Proxy {
  name: string;
  binary: string;
  package: string;
  /** Writes the config for the recipe and returns the command that runs it in the foreground. */
  configure(dir: string, tls: SelfSigned, proxyPort: number, appPort: number): { args: string[]; env?: Record<string, string> };
}

const PROXIES: Proxy[] = [
  {
    name: 'nginx',
    binary: '/usr/sbin/nginx',
    package: 'nginx-light',
    configure(dir, tls, proxyPort, appPort) {
      const https = fenced('nginx').split(/\n(?=server \{)/).find((b) => b.includes('listen 443 ssl'));
      if (!https) throw new Error('the nginx recipe has no HTTPS server block');
      const server = https
        .replace(/listen 443 ssl[^;]*;/, `listen 127.0.0.1:${proxyPort} ssl;`)
        .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${tls.cert};`)
        .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${tls.key};`)
        .replace('proxy_pass http://127.0.0.1:8787;', `proxy_pass http://127.0.0.1:${appPort};`);
      const conf = path.join(dir, 'nginx.conf');
      writeFileSync(
        conf,
        `${process.getuid?.() === 0 ? 'user root;\n' : ''}pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
          ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};\n`).join('') +
          `${server}\n}\n`,
      );
      const check = spawnSync(this.binary, ['-t', '-c', conf, '-p', dir], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`nginx -t: ${check.stderr}`);
      return { args: ['-c', conf, '-p', dir, '-g', 'daemon off;'] };
    },
  },
  {
    name: 'Caddy',
    binary: '/usr/bin/caddy',
    package: 'caddy',
    configure(dir, tls, proxyPort, appPort) {
      // No admin endpoint, no port-80 redirect listener, the test certificate instead of ACME.
      const site = fenced('caddyfile')
        .replace('livegate.example.com {', `{\n\tadmin off\n\tauto_https disable_redirects\n}\n\nhttps://localhost:${proxyPort} {\n\ttls ${tls.cert} ${tls.key}`)
        .replace('reverse_proxy 127.0.0.1:8787', `reverse_proxy 127.0.0.1:${appPort}`);
      const conf = path.join(dir, 'Caddyfile');
      writeFileSync(conf, site);
      for (const sub of ['data', 'config']) mkdirSync(path.join(dir, sub));
      return { args: ['run', '--config', conf, '--adapter', 'caddyfile'], env: { XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config'), HOME: dir } };
    },
  },
];

function httpsCall(url: string, ca: Buffer, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json', ...headers }, ca }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe.each(PROXIES)('the $name recipe of docs/DEPLOY.md', (proxy) => {
  let dir: string;
  let tls: SelfSigned;
  let livegate: ChildProcess;
  let server: ChildProcess;
  let publicUrl: string;
  let key: string;
  let browser: Browser;
  let serverLog = '';

  beforeAll(async () => {
    if (!existsSync(proxy.binary)) throw new Error(`${proxy.binary} is missing: apt-get install ${proxy.package} (.ci/run installs it)`);
    await ensureCaptureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), `livegate-${proxy.name.toLowerCase()}-`));
    chmodSync(dir, 0o755);
    tls = await selfSignedCert();
    const [appPort, proxyPort] = [await freePort(), await freePort()];
    publicUrl = `https://localhost:${proxyPort}`;

    let out = '';
    livegate = spawn(process.execPath, [CLI, 'start', '--log-level', 'warn', '--data', path.join(dir, 'livegate'), '--models', MODELS, '--port', String(appPort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LIVEGATE_HOST: '127.0.0.1', LIVEGATE_PUBLIC_URL: publicUrl, LIVEGATE_TRUST_PROXY: '1' },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`livegate did not start:\n${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d;
        if (out.includes('API docs')) {
          clearTimeout(timer);
          resolve();
        }
      };
      livegate.stdout!.on('data', onData);
      livegate.stderr!.on('data', onData);
      livegate.on('exit', (code) => reject(new Error(`livegate exited ${code}:\n${out}`)));
    });
    key = /^\s+(lg_\S+)$/m.exec(out)![1];

    const { args, env } = proxy.configure(dir, tls, proxyPort, appPort);
    server = spawn(proxy.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    server.stdout!.on('data', (d) => (serverLog += d));
    server.stderr!.on('data', (d) => (serverLog += d));
    // The proxy is up once the health check answers through it.
    for (let i = 0; ; i++) {
      const health = await httpsCall(`${publicUrl}/healthz`, readFileSync(tls.cert)).catch(() => ({ status: 0, body: '' }));
      if (health.status === 200) break;
      if (i === 150 || server.exitCode !== null) throw new Error(`${proxy.name} did not proxy /healthz (${health.status}):\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...BASE_CHROMIUM_ARGS] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stop(server);
    await stop(livegate);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  it('serves the API and the page through the proxy, with verification links on the public https URL', async () => {
    const created = await httpsCall(`${publicUrl}/v1/sessions`, readFileSync(tls.cert), { 'x-api-key': key }, { action_description: 'Approve: release the payroll' });
    expect(created.status, created.body).toBe(201);
    const url = JSON.parse(created.body).verification_url as string;
    expect(url.startsWith(`${publicUrl}/`)).toBe(true);

    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      await waitForView(page, (v) => v.state === 'intro', 30_000);
      expect(await page.evaluate(() => globalThis.isSecureContext)).toBe(true);
      expect(await page.textContent('body')).toContain('Approve: release the payroll');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('publishes the JWKS at the public URL, where relying parties fetch it', async () => {
    const jwks = await httpsCall(`${publicUrl}/.well-known/jwks.json`, readFileSync(tls.cert));
    expect(jwks.status).toBe(200);
    expect(JSON.parse(jwks.body).keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
  });
});
