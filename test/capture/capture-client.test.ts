// The protocol client against real HTTP: the real Livegate server for the happy calls and its
// error codes, and a real socket that drops connections for the network-loss path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureApiError, createCaptureClient } from '../../capture/app/api.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => t?.close());

async function createSession(): Promise<{ id: string; token: string }> {
  const res = await fetch(`${origin}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': t.key }, body: JSON.stringify({ action_description: 'Approve: test' }) });
  const body = (await res.json()) as { session_id: string; verification_url: string };
  return { id: body.session_id, token: new URL(body.verification_url).hash.slice(1) };
}

const fastRetry = { retries: 3, baseMs: 10, maxMs: 50 };

describe('createCaptureClient', () => {
  it('bootstraps and starts an attempt with the capture token', async () => {
    const s = await createSession();
    const c = createCaptureClient({ baseUrl: origin, sessionId: s.id, token: s.token });
    const info = await c.session();
    expect(info.action_description).toBe('Approve: test');
    expect(info.status).toBe('pending');
    const start = await c.start({ user_agent: 'test' } as never);
    expect(start.attempt_number).toBe(1);
    expect(start.plan.chunk_ms).toBeGreaterThan(0);
  });

  it('surfaces the server error code for a wrong token', async () => {
    const s = await createSession();
    const c = createCaptureClient({ baseUrl: origin, sessionId: s.id, token: 'x'.repeat(32) });
    const err = await c.session().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureApiError);
    expect((err as CaptureApiError).code).toBe('capture_token_invalid');
    expect((err as CaptureApiError).status).toBe(401);
  });

  it('retries through dropped connections, then succeeds', async () => {
    let drops = 2;
    const flaky: Server = createServer((req, res) => {
      if (drops-- > 0) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ seq: 0, received_frames: 3, duplicate: false }));
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const retries: number[] = [];
    const c = createCaptureClient({ baseUrl: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`, sessionId: 's', token: 't'.repeat(20), retry: fastRetry, onRetry: (n) => retries.push(n) });
    const r = await c.chunk(new Uint8Array([1, 2, 3]));
    expect(r.received_frames).toBe(3);
    expect(retries).toEqual([1, 2]);
    flaky.closeAllConnections();
    flaky.close();
  });

  it('refuses an answer that is not the protocol\'s (a captive portal\'s page, a cut body) as server_error, once', async () => {
    const answers = ['<html><body>Sign in to the Wi-Fi</body></html>', JSON.stringify({ seq: 0 })];
    let calls = 0;
    const portal = createServer((_req, res) => {
      const body = answers[calls++ % answers.length];
      res.writeHead(200, { 'content-type': body.startsWith('<') ? 'text/html' : 'application/json' });
      res.end(body);
    });
    await new Promise<void>((r) => portal.listen(0, '127.0.0.1', r));
    const c = createCaptureClient({ baseUrl: `http://127.0.0.1:${(portal.address() as AddressInfo).port}`, sessionId: 's', token: 't'.repeat(20), retry: fastRetry });
    for (const type of ['text/html', 'application/json']) {
      const err = await c.chunk(new Uint8Array([1])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureApiError);
      expect((err as CaptureApiError).code).toBe('server_error');
      expect((err as CaptureApiError).message).toContain(type);
      expect((err as CaptureApiError).hint).toMatch(/Reload the page/);
    }
    expect(calls).toBe(2); // not retried: the same answer would come back
    portal.closeAllConnections();
    portal.close();
  });

  it('gives up with network_lost when the connection keeps dropping', async () => {
    const dropping = createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', r));
    const retries: number[] = [];
    const c = createCaptureClient({ baseUrl: `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`, sessionId: 's', token: 't'.repeat(20), retry: fastRetry, onRetry: (n) => retries.push(n) });
    const err = await c.chunk(new Uint8Array([1])).catch((e: unknown) => e);
    expect((err as CaptureApiError).code).toBe('network_lost');
    expect(retries).toEqual([1, 2, 3]);
    dropping.close();
  });

  it('treats a server that never answers as a network failure, and stops retrying without an onRetry hook', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = createCaptureClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, sessionId: 's', token: 't'.repeat(20), retry: { retries: 1, baseMs: 10, maxMs: 10 }, timeoutMs: 200 });
    const err = await c.chunk(new Uint8Array([1])).catch((e: unknown) => e);
    expect((err as CaptureApiError).code).toBe('network_lost');
    silent.closeAllConnections();
    silent.close();
  });
});
