// Store operations that must hold under parallel callers, on every backend: attempt numbers,
// the per-attempt evidence limit, and the shared rate-limit counters (one statement each).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../server/store/migrations.ts';
import type { SessionRow, Store } from '../../../server/store/types.ts';
import { attempt, expectStoreError, session, T0 } from './rows.ts';
import { postgresFactory, sqliteFactory, type StoreFactory } from './store-factories.ts';

const factories: StoreFactory[] = [sqliteFactory(), postgresFactory()];

describe.each(factories)('Store under parallel callers on $name', (factory) => {
  let store: Store;
  let s: SessionRow;

  beforeAll(() => factory.setup());
  afterAll(() => factory.teardown());
  beforeEach(async () => {
    store = (await factory.open()).store;
    await store.migrate();
    await store.createTenant({ id: 'ten_a', name: 'Tenant A', created_at: T0 });
    s = session();
    await store.insertSession(s);
  });
  afterEach(() => factory.closeAll());

  it('reserves attempts atomically: parallel callers get distinct numbers, never past max_attempts', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => store.reserveAttempt(s.id, T0 + 5)));
    const won = results.filter((r): r is SessionRow => r !== null);
    expect(won.map((r) => r.attempts_used).sort()).toEqual([1, 2, 3]);
    expect(won.every((r) => r.status === 'in_progress' && r.updated_at === T0 + 5)).toBe(true);
    expect((await store.getSession(s.id))?.attempts_used).toBe(3);
    expect(await store.reserveAttempt(s.id, T0 + 6)).toBeNull();
    const ended = session({ status: 'cancelled' });
    await store.insertSession(ended);
    expect(await store.reserveAttempt(ended.id, T0)).toBeNull();
    expect((await store.getSession(ended.id))?.attempts_used).toBe(0);
  });

  it('supersedes every capturing attempt but the newest', async () => {
    await store.insertAttempt(attempt(s.id, 1, { status: 'quality_failed' }));
    await store.insertAttempt(attempt(s.id, 3));
    await store.insertAttempt(attempt(s.id, 2));
    expect(await store.supersedeOlderAttempts(s.id, T0 + 9)).toBe(1);
    const rows = await store.listAttempts(s.id);
    expect(rows.map((a) => [a.number, a.status])).toEqual([[1, 'quality_failed'], [2, 'superseded'], [3, 'capturing']]);
    expect(rows[1].finished_at).toBe(T0 + 9);
    expect(await store.supersedeOlderAttempts(s.id, T0 + 10)).toBe(0);
  });

  it('holds the per-attempt byte limit under parallel chunks; a retry at the limit is still a duplicate', async () => {
    const a = attempt(s.id, 1);
    await store.insertAttempt(a);
    const limit = 16 * 1024;
    const put = (seq: number) =>
      store.putEvidenceChunk({ attempt_id: a.id, seq, sha256: `h${seq}`, bytes: new Uint8Array(1024).fill(seq), received_at: T0 }, { maxAttemptBytes: limit });
    const outcomes = await Promise.all(Array.from({ length: 26 }, (_, seq) => put(seq)));
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(16);
    expect(outcomes.filter((o) => o === 'too_large')).toHaveLength(10);
    expect(await store.evidenceBytes(a.id)).toBe(limit);
    const kept = (await store.listEvidenceChunks(a.id))[0].seq;
    expect(await put(kept)).toBe('duplicate');
    expect(await store.putEvidenceChunk({ attempt_id: a.id, seq: kept, sha256: 'other', bytes: new Uint8Array(1), received_at: T0 }, { maxAttemptBytes: limit })).toBe('conflict');
    await expectStoreError(store.putEvidenceChunk({ attempt_id: 'att_missing', seq: 0, sha256: 'h', bytes: new Uint8Array(1), received_at: T0 }), 'not_found');
  });

  it('the evidence_bytes migration counts the evidence stored before it into the running total', async () => {
    const db = await factory.open({ fresh: true });
    await db.store.migrate();
    await db.store.createTenant({ id: 'ten_a', name: 'Tenant A', created_at: T0 });
    const old = session();
    await db.store.insertSession(old);
    const a = attempt(old.id, 1);
    await db.store.insertAttempt(a);
    for (const seq of [0, 1]) await db.store.putEvidenceChunk({ attempt_id: a.id, seq, sha256: `h${seq}`, bytes: new Uint8Array(600), received_at: T0 });
    // Back to before the migration, chunks kept; then upgrade.
    await db.query('ALTER TABLE attempts DROP COLUMN evidence_bytes');
    const version = MIGRATIONS.find((m) => m.name === 'attempts.evidence_bytes')!.version; // renumbered at merges
    await db.query(`DELETE FROM schema_migrations WHERE version = ${version}`);
    await db.store.migrate();
    const put = (seq: number) => db.store.putEvidenceChunk({ attempt_id: a.id, seq, sha256: `h${seq}`, bytes: new Uint8Array(600), received_at: T0 }, { maxAttemptBytes: 1_500 });
    expect(await put(2)).toBe('too_large'); // 1,200 counted + 600 > 1,500
    expect(await put(1)).toBe('duplicate');
  });

  describe('rate limits', () => {
    it('counts hits per key in a fixed window, atomically, and prunes ended windows', async () => {
      const hits = await Promise.all(Array.from({ length: 20 }, () => store.hitRateLimit('api:10.0.0.1', 60_000, T0)));
      expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(hits.map((h) => h.resetAt))).toEqual(new Set([T0 + 60_000]));
      expect(await store.hitRateLimit('mcp:10.0.0.1', 60_000, T0 + 1)).toEqual({ count: 1, resetAt: T0 + 60_001 });
      expect(await store.hitRateLimit('api:10.0.0.1', 60_000, T0 + 59_999)).toEqual({ count: 21, resetAt: T0 + 60_000 });
      // The window ended: a new one starts.
      expect(await store.hitRateLimit('api:10.0.0.1', 60_000, T0 + 60_000)).toEqual({ count: 1, resetAt: T0 + 120_000 });
      expect(await store.pruneRateLimits(T0 + 60_001)).toBe(1); // the mcp counter
      expect(await store.pruneRateLimits(T0 + 60_001)).toBe(0);
      expect(await store.hitRateLimit('api:10.0.0.1', 60_000, T0 + 60_002)).toEqual({ count: 2, resetAt: T0 + 120_000 });
    });
  });
});
