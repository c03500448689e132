// Security matrix, logs part: a real server (listening, pino at trace level, every line
// captured) taken through a full flow over real HTTP: REST with both key headers, the capture
// protocol, MCP over /mcp, a webhook registration and its signed delivery, the verdict and its
// JWT, and failing requests carrying wrong secrets. No secret may appear in the log output.
import { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { startReceiver, type Receiver } from '../server/webhooks/receiver.ts';

let t: TestApp;
let origin: string;
let receiver: Receiver;
const lines: string[] = [];
const secrets = new Map<string, string>();

beforeAll(async () => {
  t = await createTestApp(
    { logLevel: 'trace', webhookAllowPrivate: true } as never,
    { analyzer: false, background: true, logStream: { write: (line: string) => void lines.push(line) } },
  );
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

describe('secrets never reach the logs', () => {
  it('through a full flow, none of the API keys, capture tokens, whsec_ secret or signing key appears', async () => {
    const key = (await createApiKey(t.store, { name: 'log check', scopes: [], tenantId: 'default' })).key;
    secrets.set('API key (created)', key);
    secrets.set('API key (first)', t.key);
    const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });
    const api = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
      fetch(origin + path, {
        method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
        headers: { authorization: `Bearer ${key}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });

    // A webhook: its secret is shown once, then used to sign the delivery.
    const hook = await (await api('/v1/webhooks', { body: { url: receiver.url } })).json();
    expect(hook.secret, JSON.stringify(hook)).toMatch(/^whsec_/);
    secrets.set('webhook secret', hook.secret);
    secrets.set('webhook secret (key part)', hook.secret.slice('whsec_'.length));
    receiver.setSecret(hook.secret);

    // A session over REST (the other key header too), its page bootstrap and a capture start.
    const created = await (await api('/v1/sessions', { body: { action_description: 'Approve: log check', user_identifier: 'person-1' }, headers: { 'x-api-key': t.key } })).json();
    const token = new URL(created.verification_url).hash.slice(1);
    secrets.set('capture token', token);
    const capture = (path: string, body?: unknown, type = 'application/json') =>
      fetch(`${origin}/v1/capture/${created.session_id}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Capture ${token}`, ...(body !== undefined ? { 'content-type': type } : {}) },
        body: body === undefined ? undefined : body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
      });
    expect((await capture('')).status).toBe(200);
    const started = await (await capture('/start', { device_profile: {} })).json();
    expect((await capture('/chunk', new Uint8Array([0xa0]), 'application/cbor')).status).toBe(400);
    expect((await capture('/finish', { attempt_id: started.attempt_id, chunk_count: 1 })).status).toBe(409);

    // MCP over HTTP with the key as Bearer: a session created there returns another capture token.
    const mcpHeaders = { ...json({}), accept: 'application/json, text/event-stream', authorization: `Bearer ${key}` };
    const init = await fetch(`${origin}/mcp`, { method: 'POST', headers: mcpHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'logs', version: '1' } } }) });
    const sid = init.headers.get('mcp-session-id')!;
    await init.text();
    const call = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { ...mcpHeaders, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'verify_human_presence', arguments: { action_description: 'Approve: via MCP' } } }),
    });
    const mcpToken = /#([A-Za-z0-9_-]{16,})/.exec(await call.text())?.[1];
    expect(mcpToken).toBeTruthy();
    secrets.set('capture token (MCP)', mcpToken!);

    // The verdict: signed JWT, webhook delivered and verified by the receiver.
    await t.app.services.sessions.completeSession(created.session_id, LIVE_EVIDENCE);
    const result = await (await api(`/v1/sessions/${created.session_id}/result`)).json();
    expect(result.signature).toMatch(/^ey/);
    await receiver.waitFor(1, 20_000);
    expect(receiver.received[0].verifyError).toBeNull();

    // Failing requests carrying wrong secrets: those must not be logged either.
    const wrongKey = `${key.slice(0, -4)}ZZZZ`;
    secrets.set('wrong API key', wrongKey);
    expect((await fetch(`${origin}/v1/sessions/${created.session_id}`, { headers: { authorization: `Bearer ${wrongKey}` } })).status).toBe(401);
    expect((await fetch(`${origin}/v1/sessions/${created.session_id}`, { headers: { 'x-api-key': wrongKey } })).status).toBe(401);
    const wrongToken = `${token.slice(0, -4)}ZZZZ`;
    secrets.set('wrong capture token', wrongToken);
    expect((await fetch(`${origin}/v1/capture/${created.session_id}`, { headers: { authorization: `Capture ${wrongToken}` } })).status).toBe(401);
    expect((await fetch(`${origin}/mcp`, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${wrongKey}` }, body: '{}' })).status).toBe(401);

    // The signing key's private part.
    const { privateKey } = await t.app.services.keyring.signingKey();
    // (The keyring's key is non-extractable for jose; node's KeyObject still reads it, for this check.)
    secrets.set('signing key d', String(KeyObject.from(privateKey).export({ format: 'jwk' }).d));

    await new Promise((r) => setTimeout(r, 200)); // let the last log lines flush
    const log = lines.join('');
    // The capture is real: requests, the session and the delivery are in the log.
    expect(log).toContain('incoming request');
    expect(log).toContain(created.session_id);
    expect(log).toContain('webhook delivered');
    expect(lines.length).toBeGreaterThan(20);
    for (const [what, secret] of secrets) {
      expect(secret.length, what).toBeGreaterThan(15);
      expect(log.includes(secret), `${what} appears in the log`).toBe(false);
    }
  }, 60_000);
});
