// Face templates at rest on both backends: sealed under the key-encryption key and bound to their
// row, compared without leaving server/identity, capped per user, forgotten on request (audited),
// swept after retention, re-sealed after a key rotation.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../server/crypto/kek.ts';
import { l2normalise } from '../../../server/identity/embed.ts';
import { forgetUser } from '../../../server/identity/forget.ts';
import { createTemplateService, TEMPLATES_PER_USER, type TemplateService } from '../../../server/identity/templates.ts';
import type { SessionRow, Store } from '../../../server/store/types.ts';
import { TEST_KEK, testSecrets } from '../../helpers/kek.ts';
import { postgresFactory, sqliteFactory, type OpenedStore, type StoreFactory } from '../store/store-factories.ts';

const factories: StoreFactory[] = [sqliteFactory(), postgresFactory()];
const T0 = 1_800_000_000_000;
const MODEL = 'mobilefacenet@b7120c09';

/** A unit embedding pointing mostly along axis `k`, with a little of `seed` elsewhere. */
function embedding(k: number, seed = 1): Float32Array {
  const v = new Float32Array(128);
  for (let i = 0; i < 128; i++) v[i] = Math.sin(i * seed) * 0.05;
  v[k] = 1;
  return l2normalise(v);
}

function session(id: string): SessionRow {
  return {
    id, tenant_id: 'ten_a', status: 'completed', action_description: 'x', action_details: null, action_sha256: 'a'.repeat(64),
    risk_level: 'standard', frame_count: 10, timeout_s: 300, max_attempts: 3, attempts_used: 1, user_identifier: 'alice',
    audience: null, nonce: null, policy_id: null, policy: {}, metadata: null, capture_token_hash: 'c'.repeat(64),
    idempotency_key: null, request_hash: null, verdict: 'live', failure_reasons: null, cancel_reason: null, created_at: T0,
    expires_at: T0 + 300_000, opened_at: null, completed_at: T0, updated_at: T0, webhooks_queued_at: null,
  };
}

describe.each(factories)('identity templates on $name', (factory) => {
  let db: OpenedStore;
  let store: Store;
  let clock = T0;
  let templates: TemplateService;

  beforeAll(() => factory.setup());
  afterAll(() => factory.teardown());
  beforeEach(async () => {
    db = await factory.open();
    store = db.store;
    await store.migrate();
    await store.createTenant({ id: 'ten_a', name: 'A', created_at: T0 });
    await store.createTenant({ id: 'ten_b', name: 'B', created_at: T0 });
    clock = T0;
    templates = createTemplateService({ store, secrets: testSecrets(), now: () => clock });
  });
  afterEach(() => factory.closeAll());

  it('stores the mean embedding sealed, and compares without returning it', async () => {
    const frames = [embedding(3, 1), embedding(3, 2), embedding(3, 3)];
    await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'alice', sessionId: 's1', model: MODEL, embeddings: frames });
    const raw = await db.query('SELECT * FROM identity_templates');
    expect(raw).toHaveLength(1);
    expect(String(raw[0].embedding)).toMatch(/^kek1:[0-9a-f]{16}:/);
    // No float of the template appears in clear (its bytes as base64 or as numbers).
    const mean = Buffer.from(l2normalise(frames.reduce((a, e) => a.map((x, i) => x + e[i]), new Float32Array(128))).buffer).toString('base64');
    expect(JSON.stringify(raw[0])).not.toContain(mean.slice(0, 12));
    expect(raw[0]).toMatchObject({ tenant_id: 'ten_a', user_identifier: 'alice', model: MODEL, session_id: 's1' });
    expect(Number(raw[0].frames)).toBe(3);

    const same = await templates.compare('ten_a', 'alice', MODEL, [embedding(3, 5)]);
    expect(same.count).toBe(1);
    expect(same.similarity!).toBeGreaterThan(0.9);
    const other = await templates.compare('ten_a', 'alice', MODEL, [embedding(40, 5)]);
    expect(other.similarity!).toBeLessThan(0.3);
    // Other tenants and other models see nothing.
    expect(await templates.compare('ten_b', 'alice', MODEL, [embedding(3)])).toEqual({ count: 0, similarity: null });
    expect(await templates.compare('ten_a', 'alice', 'other-model@1', [embedding(3)])).toEqual({ count: 0, similarity: null });
  });

  it('a sealed template moved to another row or user does not open', async () => {
    await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'alice', sessionId: 's1', model: MODEL, embeddings: [embedding(1)] });
    await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'bob', sessionId: 's2', model: MODEL, embeddings: [embedding(2)] });
    const [alice] = await store.listIdentityTemplates('ten_a', 'alice');
    const [bob] = await store.listIdentityTemplates('ten_a', 'bob');
    await store.setIdentityTemplateEmbedding(bob.id, alice.embedding);
    await expect(templates.compare('ten_a', 'bob', MODEL, [embedding(1)])).rejects.toThrow(/integrity check/);
  });

  it('keeps the newest templates per user only', async () => {
    for (let i = 0; i < TEMPLATES_PER_USER + 2; i++) {
      clock = T0 + i * 1000;
      await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'alice', sessionId: `s${i}`, model: MODEL, embeddings: [embedding(i)] });
    }
    const rows = await store.listIdentityTemplates('ten_a', 'alice');
    expect(rows.map((r) => r.session_id)).toEqual(['s6', 's5', 's4', 's3', 's2']);
  });

  it('forgets a user on request (audited on the enrolling session) and sweeps after retention', async () => {
    await store.insertSession(session('7a6b1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b'));
    await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'alice', sessionId: '7a6b1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b', model: MODEL, embeddings: [embedding(1)] });
    await templates.enrol({ tenantId: 'ten_b', userIdentifier: 'alice', sessionId: 'other', model: MODEL, embeddings: [embedding(1)] });
    const result = await forgetUser({ store, now: () => clock }, { tenantId: 'ten_a', by: 'cli' }, 'alice');
    expect(result).toEqual({ user_identifier: 'alice', templates_deleted: 1 });
    expect(await store.listIdentityTemplates('ten_a', 'alice')).toEqual([]);
    expect(await store.listIdentityTemplates('ten_b', 'alice')).toHaveLength(1); // another tenant's user is untouched
    const audit = await store.listAudit('7a6b1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b');
    expect(audit.map((e) => e.type)).toContain('identity_templates_deleted');
    expect(audit.find((e) => e.type === 'identity_templates_deleted')?.data).toEqual({ templates_deleted: 1, by: 'cli' });

    clock = T0 + 10 * 86_400_000;
    await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'carol', sessionId: 's9', model: MODEL, embeddings: [embedding(9)] });
    expect(await templates.sweep(5 * 86_400)).toBe(1); // ten_b's old one goes, carol's new one stays
    expect(await store.listIdentityTemplates('ten_b', 'alice')).toEqual([]);
    expect(await store.listIdentityTemplates('ten_a', 'carol')).toHaveLength(1);
  });

  it('re-seals under a new key-encryption key, and the old key alone no longer opens it', async () => {
    await templates.enrol({ tenantId: 'ten_a', userIdentifier: 'alice', sessionId: 's1', model: MODEL, embeddings: [embedding(4)] });
    const next = Buffer.alloc(32, 0x21);
    const rotated = createTemplateService({ store, secrets: createSecretBox([next, TEST_KEK]), now: () => clock });
    expect(await rotated.reseal()).toBe(1);
    expect(await rotated.reseal()).toBe(0);
    expect((await rotated.compare('ten_a', 'alice', MODEL, [embedding(4)])).similarity!).toBeGreaterThan(0.99);
    await expect(templates.compare('ten_a', 'alice', MODEL, [embedding(4)])).rejects.toThrow(/not loaded/);
  });
});
