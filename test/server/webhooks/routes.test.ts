// /v1/webhooks through the real app (buildApp): auth, scopes, tenant isolation, schemas, and an
// end-to-end delivery of a session event to a receiver that verifies it.
import type { FastifyInstance } from 'fastify';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.ts';
import { createApiKey } from '../../../server/auth/api-keys.ts';
import { loadConfig } from '../../../server/config.ts';
import type { Store } from '../../../server/store/types.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { addTenant, openTarget, sqliteBackend } from './setup.ts';

// The route layer is the same on every backend; the service suites cover PostgreSQL.
describe('/v1/webhooks', () => {
  const backend = sqliteBackend();
  let store: Store;
  let app: FastifyInstance;
  let receiver: Receiver;
  const keys = { a: '', aRead: '', b: '' };

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  beforeEach(async () => {
    const file = await backend.newDatabase();
    store = await openTarget(file);
    await addTenant(store, 'tenant_a');
    await addTenant(store, 'tenant_b');
    keys.a = (await createApiKey(store, { name: 'a', tenantId: 'tenant_a' })).key;
    keys.aRead = (await createApiKey(store, { name: 'a-read', tenantId: 'tenant_a', scopes: ['session:read'] })).key;
    keys.b = (await createApiKey(store, { name: 'b', tenantId: 'tenant_b' })).key;
    const config = loadConfig({ dataDir: dirname(file), logLevel: 'silent', webhookAllowPrivate: true }, {});
    app = await buildApp({ config, store });
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await app.close();
    await receiver.close();
    await store.close();
  });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  async function create(key: string, body: unknown) {
    return app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(key), payload: body as Record<string, unknown> });
  }

  it('creates an endpoint and shows its secret once; the list never shows it', async () => {
    const created = await create(keys.a, { url: receiver.url, events: ['session.completed', 'session.cancelled'] });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^wh_/),
      url: receiver.url,
      events: ['session.completed', 'session.cancelled'],
      secret: expect.stringMatching(/^whsec_/),
      created_at: expect.any(String),
    });

    const listed = await app.inject({ method: 'GET', url: '/v1/webhooks', headers: auth(keys.aRead) });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual({
      webhooks: [{ id: body.id, url: receiver.url, events: body.events, enabled: true, disabled_reason: null, created_at: body.created_at }],
    });
    expect(listed.body).not.toContain(body.secret);
    expect(listed.body).not.toContain('secret');

    const other = await app.inject({ method: 'GET', url: '/v1/webhooks', headers: auth(keys.b) });
    expect(other.json()).toEqual({ webhooks: [] });
  });

  it('requires a key, and session:write to create or delete', async () => {
    const anonymous = await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');

    const readOnly = await create(keys.aRead, { url: receiver.url });
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json().error).toMatchObject({ code: 'insufficient_scope', message: expect.stringContaining('session:write') });

    const { id } = (await create(keys.a, { url: receiver.url })).json();
    const readOnlyDelete = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: auth(keys.aRead) });
    expect(readOnlyDelete.statusCode).toBe(403);
    const anonymousList = await app.inject({ method: 'GET', url: '/v1/webhooks' });
    expect(anonymousList.statusCode).toBe(401);
  });

  it.each([
    [{ url: 'ftp://example.com/x' }, /scheme "ftp"/],
    [{ url: 'example.com/hooks' }, /not a valid absolute URL/],
    [{ url: 'https://example.com/x', events: ['session.exploded'] }, /events/],
    [{ url: 'https://example.com/x', secret: 'whsec_mine' }, /secret|unrecognized/i],
    [{}, /url/],
  ])('rejects %j with 400 invalid_request', async (body, message) => {
    const response = await create(keys.a, body);
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(message);
    expect(error.hint.length).toBeGreaterThan(0);
  });

  it('deletes with 204; another tenant gets 404', async () => {
    const { id } = (await create(keys.a, { url: receiver.url })).json();
    const foreign = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: auth(keys.b) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('webhook_not_found');

    const deleted = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: auth(keys.a) });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: auth(keys.a) })).json()).toEqual({ webhooks: [] });
    const again = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: auth(keys.a) });
    expect(again.statusCode).toBe(404);
  });

  it('delivers session.cancelled for a session cancelled through the API, verifiable with the secret', async () => {
    const created = (await create(keys.a, { url: receiver.url, events: ['session.cancelled'] })).json();
    receiver.setSecret(created.secret);
    const session = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: auth(keys.a),
      payload: { action_description: 'Wire 1,000 EUR to ACME GmbH', user_identifier: 'user-7' },
    });
    expect(session.statusCode).toBe(201);
    const sessionId = session.json().session_id;
    const cancelled = await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/cancel`, headers: auth(keys.a), payload: { reason: 'changed my mind' } });
    expect(cancelled.statusCode).toBe(200);

    const drained = await app.services.webhooks.drain();
    expect(drained).toEqual({ attempted: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].verifyError).toBeNull();
    expect(receiver.received[0].payload).toEqual({
      type: 'session.cancelled',
      timestamp: expect.any(String),
      data: expect.objectContaining({ session_id: sessionId, status: 'cancelled', reason: 'changed my mind', user_identifier: 'user-7' }),
    });
  });
});
