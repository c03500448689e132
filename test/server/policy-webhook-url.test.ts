// policy.webhook_url was documented but never delivered to; it is gone from the policy schema.
// Webhooks are tenant endpoints (POST /v1/webhooks). A request still sending it is told so, and a
// policy stored with it by an older version keeps working (the field is dropped on read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../server/policies/defaults.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

let cluster: TestPostgres | null = null;
const backends = [
  { name: 'sqlite', databaseUrl: async () => undefined },
  {
    name: 'postgres',
    databaseUrl: async () => {
      cluster = await startPostgres();
      return cluster.url;
    },
  },
];
afterAll(async () => cluster?.stop());

describe.each(backends)('policy.webhook_url is not a setting ($name)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false, databaseUrl: await backend.databaseUrl() });
  });
  afterAll(async () => t?.close());
  const headers = () => ({ 'x-api-key': t.key });

  it('refuses it in a stored or an inline policy, naming the key', async () => {
    const policy = await t.app.inject({ method: 'POST', url: '/v1/policies', headers: headers(), payload: { name: 'p', config: { webhook_url: 'https://hooks.example.com/x' } } });
    expect(policy.statusCode).toBe(400);
    expect(policy.json().error).toMatchObject({ code: 'invalid_request', message: 'body.config: Unrecognized key: "webhook_url"' });
    const session = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: headers(), payload: { action_description: 'x', policy: { webhook_url: 'https://hooks.example.com/x' } } });
    expect(session.statusCode).toBe(400);
    expect(session.json().error.message).toMatch(/Unrecognized key: "webhook_url"/);
  });

  it('reads a policy an older version stored with webhook_url, without it', async () => {
    const now = Date.now();
    await t.store.insertPolicy({ id: 'pol_old', tenant_id: 'default', name: 'old', config: { ...defaultPolicy('standard'), webhook_url: 'https://hooks.example.com/x' }, version: 1, created_at: now, updated_at: now });
    const res = await t.app.inject({ url: '/v1/policies/pol_old', headers: headers() });
    expect(res.statusCode).toBe(200);
    expect(res.json().config).not.toHaveProperty('webhook_url');
    const session = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: headers(), payload: { action_description: 'x', policy: 'pol_old' } });
    expect(session.statusCode).toBe(201);
  });
});
