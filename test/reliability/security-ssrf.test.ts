// Security matrix, SSRF part: webhook receivers on the server's own network are refused at
// registration (400 webhook_url_forbidden) unless LIVEGATE_WEBHOOK_ALLOW_PRIVATE is set, and a
// receiver that slipped in (registered under the opt-in, served by an instance without it) never
// gets a connection. Written against the documented guard of issue 12 point 4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { startReceiver, type Receiver } from '../server/webhooks/receiver.ts';
import { isErrorBody } from './lib/answers.ts';

const FORBIDDEN_TARGETS = [
  'http://127.0.0.1/hook',
  'http://127.1/hook',
  'http://2130706433/hook', // decimal 127.0.0.1
  'http://0x7f000001/hook', // hex
  'http://0177.0.0.1/hook', // octal
  'http://0.0.0.0/hook',
  'http://localhost/hook',
  'http://api.localhost/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.7/hook',
  'http://172.16.3.4/hook',
  'http://192.168.1.1/hook',
  'http://100.64.0.1/hook',
  'http://[::1]/hook',
  'http://[::]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:169.254.169.254]/hook',
  'http://[fe80::1]/hook',
  'http://[fd00::1]/hook',
  'http://[fd12:3456::7]/hook',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://printer.local/hook',
  'http://intranet/hook',
  'https://127.0.0.1:8443/hook',
];

describe('webhook SSRF guard (LIVEGATE_WEBHOOK_ALLOW_PRIVATE unset)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(() => t?.close());

  it.each(FORBIDDEN_TARGETS)('refuses %s at registration', async (url) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': t.key }, payload: { url } });
    expect(res.statusCode, res.body).toBe(400);
    expect(isErrorBody(res.json(), 400)).toBe(true);
    expect(res.json().error.code).toBe('webhook_url_forbidden');
  });

  it('accepts a public receiver', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': t.key }, payload: { url: 'https://hooks.example.com/livegate' } });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('nothing was stored for the refused targets', async () => {
    const list = (await t.app.inject({ method: 'GET', url: '/v1/webhooks', headers: { 'x-api-key': t.key } })).json().webhooks as { url: string }[];
    expect(list.map((w) => w.url)).toEqual(['https://hooks.example.com/livegate']);
  });
});

describe('with LIVEGATE_WEBHOOK_ALLOW_PRIVATE=1, and connect time without it', () => {
  let t: TestApp;
  let receiver: Receiver;
  let endpointId: string;
  beforeAll(async () => {
    t = await createTestApp({ webhookAllowPrivate: true } as never, { analyzer: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('the opt-in allows a loopback receiver', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': t.key }, payload: { url: receiver.url } });
    expect(res.statusCode, res.body).toBe(201);
    endpointId = res.json().id;
  });

  it('an instance without the opt-in never connects to that stored loopback receiver', async () => {
    // A second instance on the same store, delivering, without the opt-in.
    const config = loadConfig({ dataDir: t.dataDir, logLevel: 'silent', port: 0, sweepIntervalMs: 100 }, {});
    const strict = await buildApp({ config, store: t.store, analyzer: false, background: true });
    try {
      const created = (await strict.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: x' } })).json();
      await strict.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
      // The delivery was tried (and refused before connecting), not merely left waiting.
      await expect.poll(async () => (await t.store.listDeliveries(endpointId)).map((d) => d.attempts).reduce((a, b) => a + b, 0), { timeout: 15_000 }).toBeGreaterThan(0);
      const [delivery] = await t.store.listDeliveries(endpointId);
      expect(delivery.status).not.toBe('delivered');
      expect(delivery.last_error ?? '').toMatch(/loopback|forbidden|not sent/i);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
