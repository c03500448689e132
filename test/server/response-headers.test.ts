// Headers that keep secrets out of caches and the API docs out of frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';

describe('response headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
  });
  afterAll(async () => t.close());
  const auth = () => ({ 'x-api-key': t.key });

  it('marks API answers that carry capture tokens, JWTs or webhook secrets Cache-Control: no-store', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth(), payload: { action_description: 'Approve: rotate keys' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().verification_url).toContain('#');
    expect(created.headers['cache-control']).toBe('no-store');

    const id = created.json().session_id as string;
    await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    const result = await t.app.inject({ url: `/v1/sessions/${id}/result`, headers: auth() });
    expect(result.json().signature.split('.')).toHaveLength(3);
    expect(result.headers['cache-control']).toBe('no-store');

    const hook = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(), payload: { url: 'https://hooks.example.com/livegate' } });
    expect(hook.json().secret).toMatch(/^whsec_/);
    expect(hook.headers['cache-control']).toBe('no-store');

    const mcp = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...auth(), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      payload: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
    });
    expect(mcp.statusCode).toBe(200);
    // The SDK answers on an SSE stream with its own no-cache; a stream is never stored.
    expect(mcp.headers['cache-control']).toMatch(/^no-(store|cache)/);
  });

  it('serves /docs with a CSP that forbids framing', async () => {
    const res = await t.app.inject({ url: '/docs/' });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The static assets get it too.
    const asset = await t.app.inject({ url: '/docs/static/swagger-ui.css' });
    expect(asset.statusCode).toBe(200);
    expect(String(asset.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });
});
