// The webhook SSRF guard: internal receivers are refused at registration (400
// webhook_url_forbidden naming why) and again at delivery, on every address the host resolves to,
// with the connection made to the checked address (DNS rebinding). LIVEGATE_WEBHOOK_ALLOW_PRIVATE
// opens private ranges for single-host setups.
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.ts';
import { createApiKey } from '../../../server/auth/api-keys.ts';
import { loadConfig } from '../../../server/config.ts';
import { AppError } from '../../../server/errors.ts';
import type { Store } from '../../../server/store/types.ts';
import { sendWebhook, type ResolvedAddress } from '../../../server/webhooks/send.ts';
import { createWebhookService, type WebhookService, type WebhookServiceOptions } from '../../../server/webhooks/service.ts';
import { validateWebhookUrl } from '../../../server/webhooks/url.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { addTenant, bothBackends, capturedLogger, openTarget, sqliteBackend } from './setup.ts';
import { testSecrets } from '../../helpers/kek.ts';

const TENANT = 'tenant_a';

const FORBIDDEN: Array<[string, RegExp]> = [
  ['http://127.0.0.1/hooks', /loopback/],
  ['http://127.8.9.10:8080/hooks', /loopback/],
  ['http://[::1]/hooks', /loopback/],
  ['http://169.254.169.254/latest/meta-data/', /link-local/],
  ['http://[fe80::1]/hooks', /link-local/],
  ['http://10.0.0.7/hooks', /private/],
  ['http://172.16.5.4/hooks', /private/],
  ['http://172.31.255.1/hooks', /private/],
  ['http://192.168.1.1/hooks', /private/],
  ['http://100.64.0.1/hooks', /carrier-grade NAT/],
  ['http://[fd00::1]/hooks', /unique local/],
  ['http://[fc00::5]/hooks', /unique local/],
  ['http://0.0.0.0/hooks', /unspecified/],
  ['http://[::]/hooks', /unspecified/],
  ['http://224.0.0.1/hooks', /multicast/],
  ['http://[ff02::1]/hooks', /multicast/],
  ['http://255.255.255.255/hooks', /broadcast/],
  ['http://[::ffff:127.0.0.1]/hooks', /loopback/],
  ['http://[::ffff:169.254.169.254]/hooks', /link-local/],
  ['http://[::ffff:10.1.1.1]/hooks', /private/],
  ['http://2130706433/hooks', /127\.0\.0\.1 is a loopback/],
  ['http://0x7f000001/hooks', /127\.0\.0\.1 is a loopback/],
  ['http://0177.0.0.1/hooks', /127\.0\.0\.1 is a loopback/],
  ['http://127.1/hooks', /127\.0\.0\.1 is a loopback/],
  ['http://0xa9fea9fe/hooks', /169\.254\.169\.254 is a link-local/],
  ['http://localhost:8080/hooks', /localhost name/],
  ['http://LOCALHOST./hooks', /localhost name/],
  ['http://api.localhost/hooks', /localhost name/],
  ['http://metadata.google.internal/computeMetadata/v1/', /internal name \(\*\.internal\)/],
  ['http://printer.local/hooks', /internal name \(\*\.local\)/],
  ['http://intranet/hooks', /single-label/],
  ['http://192.0.2.1/hooks', /special-purpose/],
];

describe('webhook URL guard at registration', () => {
  it.each(FORBIDDEN)('refuses %s naming why', (url, why) => {
    const error = (() => {
      try {
        validateWebhookUrl(url);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'webhook_url_forbidden', statusCode: 400, details: { field: 'url', host: expect.any(String), reason: expect.any(String) } });
    expect((error as AppError).message).toMatch(why);
    expect((error as AppError).hint).toMatch(/LIVEGATE_WEBHOOK_ALLOW_PRIVATE=1/);
  });

  it.each(['https://example.com/hooks', 'http://93.184.216.34:8080/x', 'https://[2606:4700:4700::1111]/hooks', 'https://hooks.example.com./x'])('accepts the public receiver %s', (url) => {
    expect(() => validateWebhookUrl(url)).not.toThrow();
  });

  it('the opt-in allows loopback, private, link-local, CGNAT, ULA and internal names, never unspecified, multicast or broadcast', () => {
    const allow = { allowPrivate: true };
    for (const url of ['http://127.0.0.1:9/x', 'http://[::1]/x', 'http://10.0.0.7/x', 'http://169.254.169.254/x', 'http://100.64.0.1/x', 'http://[fd00::1]/x', 'http://localhost/x', 'http://receiver/x', 'http://nas.local/x']) {
      expect(() => validateWebhookUrl(url, allow), url).not.toThrow();
    }
    for (const url of ['http://0.0.0.0/x', 'http://[::]/x', 'http://224.0.0.1/x', 'http://255.255.255.255/x']) {
      expect(() => validateWebhookUrl(url, allow), url).toThrow(/unspecified|multicast|broadcast/);
    }
  });
});

describe('POST /v1/webhooks refuses internal receivers', () => {
  const backend = sqliteBackend();
  let store: Store;
  let key: string;
  let dataDir: string;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    await backend.setup();
    const file = await backend.newDatabase();
    dataDir = dirname(file);
    store = await openTarget(file);
    await addTenant(store, TENANT);
    key = (await createApiKey(store, { name: 'a', tenantId: TENANT })).key;
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store.close();
    await backend.teardown();
  });

  async function app(allowPrivate: boolean): Promise<FastifyInstance> {
    const built = await buildApp({ config: loadConfig({ dataDir, logLevel: 'silent', webhookAllowPrivate: allowPrivate }, {}), store });
    apps.push(built);
    return built;
  }

  it('answers 400 webhook_url_forbidden without the opt-in and 201 with it', async () => {
    const strict = await app(false);
    const post = (target: FastifyInstance, url: string) => target.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${key}` }, payload: { url } });
    const refused = await post(strict, 'http://169.254.169.254/latest/meta-data/');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      error: {
        code: 'webhook_url_forbidden',
        message: expect.stringContaining('169.254.169.254 is a link-local address'),
        hint: expect.stringContaining('LIVEGATE_WEBHOOK_ALLOW_PRIVATE=1'),
        details: { field: 'url', host: '169.254.169.254', reason: 'a link-local address' },
      },
    });
    expect((await post(strict, 'http://0x7f000001:8080/hooks')).json().error.code).toBe('webhook_url_forbidden');
    expect((await post(strict, 'http://localhost:8080/hooks')).json().error.code).toBe('webhook_url_forbidden');
    expect(await store.listWebhookEndpoints(TENANT)).toEqual([]);

    const open = await app(true);
    expect((await post(open, 'http://127.0.0.1:8080/hooks')).statusCode).toBe(201);
  });
});

describe.each(bothBackends())('webhook delivery guard on $name', (backend) => {
  let store: Store;
  let receiver: Receiver;
  let log: ReturnType<typeof capturedLogger>;
  const services: WebhookService[] = [];

  function service(overrides: Partial<WebhookServiceOptions> = {}): WebhookService {
    const created = createWebhookService({ secrets: testSecrets(), store, logger: log.logger, random: () => 0.5, requestTimeoutMs: 2_000, ...overrides });
    services.push(created);
    return created;
  }

  /** A resolver that answers `addresses` for every name (the public-looking name resolves inward). */
  const resolvingTo = (...addresses: string[]) => async (): Promise<ResolvedAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    store = await openTarget(await backend.newDatabase());
    await addTenant(store, TENANT);
    receiver = await startReceiver();
    log = capturedLogger();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await receiver.close();
    await store.close();
  });

  const publicLookingUrl = () => receiver.url.replace('127.0.0.1', 'hooks.example.com');

  it('refuses a public-looking name that resolves to loopback: a failed attempt with the reason, nothing sent', async () => {
    const webhooks = service({ resolve: resolvingTo('127.0.0.1') });
    const endpoint = await webhooks.createEndpoint(TENANT, { url: publicLookingUrl() });
    receiver.setSecret(endpoint.secret);
    const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
    expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
    expect(receiver.received).toHaveLength(0);
    const row = await store.getDelivery(id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
    expect(row!.last_error).toMatch(/^refused by the SSRF guard: hooks\.example\.com resolves to 127\.0\.0\.1, a loopback address/);
    expect((await store.listDeliveryAttempts(id))[0].error).toBe(row!.last_error);
    const line = log.lines().find((l) => l.delivery_id === id && l.attempt === 1);
    expect(line).toMatchObject({ outcome: 'retry', error: row!.last_error });
  });

  it('with the opt-in, connects to exactly the address the resolver gave (the name itself resolves nowhere)', async () => {
    const webhooks = service({ resolve: resolvingTo('127.0.0.1'), allowPrivate: true });
    const endpoint = await webhooks.createEndpoint(TENANT, { url: publicLookingUrl() });
    receiver.setSecret(endpoint.secret);
    await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
    expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 1 });
    expect(receiver.received[0].verifyError).toBeNull();
    expect(receiver.received[0].headers.host).toMatch(/^hooks\.example\.com:\d+$/);
  });

  it.each([
    ['a public and a loopback address (rebinding)', ['93.184.216.34', '127.0.0.1'], /127\.0\.0\.1, a loopback/],
    ['an IPv4-mapped link-local address', ['::ffff:169.254.169.254'], /::ffff:169\.254\.169\.254, a link-local/],
    ['a ULA address', ['fd12:3456::1'], /unique local/],
    ['nothing', [], /resolves to no address/],
  ])('refuses a name that resolves to %s', async (_label, addresses, why) => {
    const webhooks = service({ resolve: resolvingTo(...addresses) });
    await webhooks.createEndpoint(TENANT, { url: publicLookingUrl() });
    const [id] = await webhooks.emit(TENANT, 'session.failed', { session_id: 's1' });
    expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
    expect((await store.getDelivery(id))!.last_error).toMatch(why);
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses at delivery a loopback endpoint registered while the opt-in was on', async () => {
    const endpoint = await service({ allowPrivate: true }).createEndpoint(TENANT, { url: receiver.url });
    receiver.setSecret(endpoint.secret);
    const strict = service();
    const [id] = await strict.emit(TENANT, 'session.completed', { session_id: 's1' });
    expect(await strict.drain()).toEqual({ attempted: 1, delivered: 0 });
    expect(receiver.received).toHaveLength(0);
    expect((await store.getDelivery(id))!.last_error).toMatch(/refused by the SSRF guard: 127\.0\.0\.1 is a loopback address/);
  });
});

describe('https delivery through the guarded lookup', () => {
  it('connects to the checked address and still verifies the certificate for the host name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livegate-tls-'));
    const received: string[] = [];
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=hooks.example.com', '-addext', 'subjectAltName=DNS:hooks.example.com'], { stdio: 'ignore' });
      const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
        received.push(req.headers.host ?? '');
        res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const attempt = (allowPrivate: boolean) =>
        sendWebhook({
          url: `https://hooks.example.com:${port}/hooks`,
          secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
          msgId: 'msg_tls',
          body: '{}',
          timestamp: new Date(),
          timeoutMs: 5_000,
          policy: { allowPrivate },
          resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        });
      try {
        // The TLS handshake happened with the server at the pinned address, and the self-signed
        // certificate was refused: certificate checks are not bypassed by pinning.
        expect(await attempt(true)).toEqual({ kind: 'error', error: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT') });
        expect(await attempt(false)).toEqual({ kind: 'error', error: expect.stringMatching(/^refused by the SSRF guard: hooks\.example\.com resolves to 127\.0\.0\.1/) });
        expect(received).toEqual([]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
