// One suite, every backend: the Store contract as the service relies on it.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../server/store/migrations.ts';
import {
  SESSION_PATCH_COLUMNS,
  type DeliveryRow,
  type SessionPatch,
  type SessionRow,
  type Store,
  type WebhookEndpointRow,
} from '../../../server/store/types.ts';
import { attempt, expectStoreError, session, T0 } from './rows.ts';
import { postgresFactory, sqliteFactory, type OpenedStore, type StoreFactory } from './store-factories.ts';

const factories: StoreFactory[] = [sqliteFactory(), postgresFactory()];



function endpoint(over: Partial<WebhookEndpointRow> = {}): WebhookEndpointRow {
  return {
    id: `we_${crypto.randomUUID()}`,
    tenant_id: 'ten_a',
    url: 'http://127.0.0.1:9/hook',
    secret: 'whsec_c2VjcmV0',
    events: [],
    enabled: true,
    disabled_reason: null,
    created_at: T0,
    ...over,
  };
}

function delivery(endpointId: string, over: Partial<DeliveryRow> = {}): DeliveryRow {
  return {
    id: `msg_${crypto.randomUUID()}`,
    endpoint_id: endpointId,
    tenant_id: 'ten_a',
    event_type: 'session.completed',
    payload: { type: 'session.completed', data: { session_id: 's1' } },
    status: 'pending',
    attempts: 0,
    next_attempt_at: T0,
    last_status_code: null,
    last_error: null,
    created_at: T0,
    updated_at: T0,
    locked_until: null,
    ...over,
  };
}


describe.each(factories)('Store on $name', (factory) => {
  let db: OpenedStore;
  let store: Store;

  async function useDatabase(opts?: { fresh?: boolean }): Promise<void> {
    db = await factory.open(opts);
    store = db.store;
    await store.migrate();
    await store.createTenant({ id: 'ten_a', name: 'Tenant A', created_at: T0 });
    await store.createTenant({ id: 'ten_b', name: 'Tenant B', created_at: T0 + 1 });
  }

  beforeAll(() => factory.setup());
  afterAll(() => factory.teardown());
  beforeEach(() => useDatabase());
  afterEach(() => factory.closeAll());

  it('reports its kind', () => {
    expect(store.kind).toBe(factory.name);
  });

  describe('migrations', () => {
    it('are idempotent: a second run changes nothing and keeps data', async () => {
      await useDatabase({ fresh: true });
      await store.migrate();
      await store.migrate();
      const rows = await db.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
      expect(await store.countTenants()).toBe(2);
    });

    it('refuse a database migrated by a newer version', async () => {
      await useDatabase({ fresh: true });
      await db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from the future', 0)");
      await expectStoreError(store.migrate(), 'migration_failed');
      expect(await store.countTenants()).toBe(2);
    });

    it('version 2 counts sessions that ended before it as having their webhooks queued', async () => {
      await useDatabase({ fresh: true });
      const ended = session({ status: 'completed', verdict: 'live', completed_at: T0 + 5, updated_at: T0 + 5 });
      const open = session();
      await store.insertSession(ended);
      await store.insertSession(open);
      // Back to version 1, data kept; then upgrade.
      await db.query('DROP INDEX sessions_webhooks_unqueued');
      await db.query('ALTER TABLE sessions DROP COLUMN webhooks_queued_at');
      await db.query('DELETE FROM schema_migrations WHERE version = 2');
      await store.migrate();
      expect((await store.getSession(ended.id))?.webhooks_queued_at).toBe(T0 + 5);
      expect((await store.getSession(open.id))?.webhooks_queued_at).toBeNull();
    });

    it('survive two instances migrating the same fresh database at once', async () => {
      const fresh = await factory.open({ fresh: true });
      const other = await fresh.second();
      await Promise.all([fresh.store.migrate(), other.migrate()]);
      const rows = await fresh.query('SELECT version FROM schema_migrations');
      expect(rows.length).toBe(MIGRATIONS.length);
      await other.createTenant({ id: 't', name: 'T', created_at: T0 });
      expect(await fresh.store.getTenant('t')).toEqual({ id: 't', name: 'T', created_at: T0 });
    });
  });

  describe('tenants', () => {
    it('creates, reads and counts; a duplicate id is a conflict', async () => {
      expect(await store.getTenant('ten_a')).toEqual({ id: 'ten_a', name: 'Tenant A', created_at: T0 });
      expect(await store.getTenant('nope')).toBeNull();
      expect(await store.countTenants()).toBe(2);
      await expectStoreError(store.createTenant({ id: 'ten_a', name: 'again', created_at: T0 }), 'conflict');
      expect(await store.countTenants()).toBe(2);
    });
  });

  describe('API keys', () => {
    it('stores scopes, lists per tenant, revokes once and records use', async () => {
      const key = {
        id: 'lg_k1',
        tenant_id: 'ten_a',
        name: 'ci',
        key_hash: 'f'.repeat(64),
        scopes: ['session:read' as const, 'session:audit' as const],
        created_at: T0,
        revoked_at: null,
        last_used_at: null,
      };
      await store.insertApiKey(key);
      await store.insertApiKey({ ...key, id: 'lg_k2', scopes: [], created_at: T0 + 1 });
      await store.insertApiKey({ ...key, id: 'lg_k3', tenant_id: 'ten_b', created_at: T0 + 2 });

      expect(await store.getApiKey('lg_k1')).toEqual(key);
      expect((await store.getApiKey('lg_k2'))?.scopes).toEqual([]);
      expect(await store.getApiKey('lg_missing')).toBeNull();
      expect((await store.listApiKeys('ten_a')).map((k) => k.id)).toEqual(['lg_k1', 'lg_k2']);
      expect((await store.listApiKeys()).map((k) => k.id)).toEqual(['lg_k1', 'lg_k2', 'lg_k3']);

      await store.touchApiKey('lg_k1', T0 + 50);
      expect((await store.getApiKey('lg_k1'))?.last_used_at).toBe(T0 + 50);

      expect(await store.revokeApiKey('lg_k1', T0 + 100)).toBe(true);
      expect(await store.revokeApiKey('lg_k1', T0 + 200)).toBe(false);
      expect(await store.revokeApiKey('lg_missing', T0)).toBe(false);
      expect((await store.getApiKey('lg_k1'))?.revoked_at).toBe(T0 + 100);

      await expectStoreError(store.insertApiKey({ ...key, tenant_id: 'ten_ghost', id: 'lg_k4' }), 'not_found');
    });
  });

  describe('policies', () => {
    it('are scoped to their tenant and update in place', async () => {
      const p = { id: 'pol_1', tenant_id: 'ten_a', name: 'strict', config: { min: 0.9, checks: ['rppg'] }, version: 1, created_at: T0, updated_at: T0 };
      await store.insertPolicy(p);
      await store.insertPolicy({ ...p, id: 'pol_2', name: 'lax', created_at: T0 + 1 });
      expect(await store.getPolicy('ten_a', 'pol_1')).toEqual(p);
      expect(await store.getPolicy('ten_b', 'pol_1')).toBeNull();
      expect((await store.listPolicies('ten_a')).map((x) => x.id)).toEqual(['pol_1', 'pol_2']);
      expect(await store.listPolicies('ten_b')).toEqual([]);

      const updated = await store.updatePolicy('ten_a', 'pol_1', { min: 0.95 }, 'stricter', T0 + 10);
      expect(updated).toEqual({ ...p, name: 'stricter', config: { min: 0.95 }, version: 2, updated_at: T0 + 10 });
      expect(await store.getPolicy('ten_a', 'pol_1')).toEqual(updated);
      expect(await store.updatePolicy('ten_b', 'pol_1', {}, 'x', T0)).toBeNull();
      expect((await store.updatePolicy('ten_a', 'pol_1', { min: 0.99 }, 'stricter', T0 + 20))?.version).toBe(3);
    });

    it('keep one policy floor per tenant, replaced on set', async () => {
      expect(await store.getTenantPolicyFloor('ten_a')).toBeNull();
      await store.setTenantPolicyFloor({ tenant_id: 'ten_a', floor: { risk_level: 'high', thresholds: { min_score: 70 } }, updated_at: T0 });
      expect(await store.getTenantPolicyFloor('ten_a')).toEqual({ tenant_id: 'ten_a', floor: { risk_level: 'high', thresholds: { min_score: 70 } }, updated_at: T0 });
      await store.setTenantPolicyFloor({ tenant_id: 'ten_a', floor: { capture_duration_ms: 8000 }, updated_at: T0 + 5 });
      expect(await store.getTenantPolicyFloor('ten_a')).toEqual({ tenant_id: 'ten_a', floor: { capture_duration_ms: 8000 }, updated_at: T0 + 5 });
      expect(await store.getTenantPolicyFloor('ten_b')).toBeNull();
      await expectStoreError(store.setTenantPolicyFloor({ tenant_id: 'ten_ghost', floor: {}, updated_at: T0 }), 'not_found');
    });
  });

  describe('sessions', () => {
    it('round-trips every column, JSON included', async () => {
      const s = session({
        user_identifier: 'user-42',
        audience: 'https://rp.example',
        nonce: 'rp-nonce',
        policy_id: 'pol_x',
        metadata: { order: 'A-1', tags: ['x', 'y'], nested: { ok: true, n: null } },
        action_details: ['a', 1, { b: 'ünïcødé ✓' }],
        idempotency_key: 'idem-1',
        request_hash: 'b'.repeat(64),
      });
      await store.insertSession(s);
      expect(await store.getSession(s.id)).toEqual(s);
      expect(await store.getSession(crypto.randomUUID())).toBeNull();
    });

    it('lists terminal sessions whose webhooks were never queued, oldest first', async () => {
      const unqueued = [
        session({ status: 'failed', updated_at: T0 + 2 }),
        session({ status: 'completed', verdict: 'spoof', updated_at: T0 + 1 }),
      ];
      const others = [
        session({ status: 'cancelled', updated_at: T0, webhooks_queued_at: T0 }),
        session({ status: 'in_progress', updated_at: T0 }),
        session({ status: 'expired', updated_at: T0 + 10_000 }),
      ];
      for (const row of [...unqueued, ...others]) await store.insertSession(row);
      expect((await store.listUnqueuedTerminalSessions(T0 + 5_000, 10)).map((r) => r.id)).toEqual([unqueued[1].id, unqueued[0].id]);
      expect(await store.listUnqueuedTerminalSessions(T0 + 5_000, 1)).toHaveLength(1);
      await store.updateSession(unqueued[1].id, ['completed'], { webhooks_queued_at: T0 + 6_000 });
      expect((await store.listUnqueuedTerminalSessions(T0 + 5_000, 10)).map((r) => r.id)).toEqual([unqueued[0].id]);
    });

    it('reads the status columns alone', async () => {
      const s = session({ status: 'completed', verdict: 'spoof', failure_reasons: ['pulse:not_detected'], completed_at: T0 + 9 });
      await store.insertSession(s);
      const { id, tenant_id, status, verdict, failure_reasons, completed_at, expires_at } = s;
      expect(await store.getSessionStatus(s.id)).toEqual({ id, tenant_id, status, verdict, failure_reasons, completed_at, expires_at });
      expect(await store.getSessionStatus(crypto.randomUUID())).toBeNull();
    });

    it('rejects a session for an unknown tenant', async () => {
      await expectStoreError(store.insertSession(session({ tenant_id: 'ten_ghost' })), 'not_found');
    });

    it('enforces one idempotency key per tenant', async () => {
      const s = session({ idempotency_key: 'k1', request_hash: 'h1' });
      await store.insertSession(s);
      await expectStoreError(store.insertSession(session({ idempotency_key: 'k1', request_hash: 'h2' })), 'conflict');
      // Another tenant may use the same key; sessions without a key never collide.
      await store.insertSession(session({ tenant_id: 'ten_b', idempotency_key: 'k1' }));
      await store.insertSession(session());
      await store.insertSession(session());

      expect(await store.findSessionByIdempotencyKey('ten_a', 'k1')).toEqual(s);
      expect((await store.findSessionByIdempotencyKey('ten_b', 'k1'))?.tenant_id).toBe('ten_b');
      expect(await store.findSessionByIdempotencyKey('ten_a', 'k2')).toBeNull();
    });

    it('updates by compare-and-set on the status', async () => {
      const s = session();
      await store.insertSession(s);

      const moved = await store.updateSession(s.id, ['pending'], { status: 'in_progress', opened_at: T0 + 5, updated_at: T0 + 5 });
      expect(moved).toEqual({ ...s, status: 'in_progress', opened_at: T0 + 5, updated_at: T0 + 5 });

      // Wrong fromStatus: nothing changes.
      expect(await store.updateSession(s.id, ['pending'], { status: 'cancelled' })).toBeNull();
      expect(await store.getSession(s.id)).toEqual(moved);

      const done = await store.updateSession(s.id, ['pending', 'in_progress'], {
        status: 'failed',
        verdict: 'spoof',
        failure_reasons: ['screen_replay', 'no_pulse'],
        attempts_used: 2,
        completed_at: T0 + 9,
        updated_at: T0 + 9,
      });
      expect(done?.failure_reasons).toEqual(['screen_replay', 'no_pulse']);
      expect(done?.verdict).toBe('spoof');
      expect(done?.attempts_used).toBe(2);
      expect(await store.getSession(s.id)).toEqual(done);

      expect(await store.updateSession(crypto.randomUUID(), ['pending'], { status: 'cancelled' })).toBeNull();
      expect(await store.updateSession(s.id, [], { status: 'cancelled' })).toBeNull();
      // An empty patch is a pure compare.
      expect(await store.updateSession(s.id, ['failed'], {})).toEqual(done);
      expect(await store.updateSession(s.id, ['pending'], {})).toBeNull();
    });

    it('writes every column SessionPatch names (both come from SESSION_PATCH_COLUMNS)', async () => {
      const s = session({ status: 'in_progress' });
      await store.insertSession(s);
      // Required<SessionPatch>: the compiler rejects this literal when the type gains or loses a column.
      const patch: Required<SessionPatch> = {
        status: 'completed',
        attempts_used: 3,
        verdict: 'live',
        failure_reasons: ['quality:too_dark'],
        cancel_reason: 'changed mind',
        opened_at: T0 + 11,
        completed_at: T0 + 12,
        updated_at: T0 + 13,
        capture_token_hash: 'f'.repeat(64),
        webhooks_queued_at: T0 + 14,
      };
      expect(Object.keys(patch).sort()).toEqual([...SESSION_PATCH_COLUMNS].sort());
      const updated = await store.updateSession(s.id, ['in_progress'], patch);
      expect(updated).toEqual({ ...s, ...patch });
      expect(await store.getSession(s.id)).toEqual({ ...s, ...patch });
    });

    it('lets exactly one of two racing instances win a transition', async () => {
      const s = session();
      await store.insertSession(s);
      const other = await db.second();
      const [a, b] = await Promise.all([
        store.updateSession(s.id, ['pending'], { status: 'cancelled', cancel_reason: 'a' }),
        other.updateSession(s.id, ['pending'], { status: 'in_progress' }),
      ]);
      expect([a, b].filter((r) => r !== null).length).toBe(1);
      const final = await store.getSession(s.id);
      expect(final?.status).toBe((a ?? b)?.status);
    });

    it('lists live sessions past their expiry, oldest first, up to the limit', async () => {
      const now = T0 + 1_000;
      const due1 = session({ expires_at: now - 10 });
      const due2 = session({ expires_at: now, status: 'in_progress' });
      const due3 = session({ expires_at: now - 5 });
      await store.insertSession(due1);
      await store.insertSession(due2);
      await store.insertSession(due3);
      await store.insertSession(session({ expires_at: now + 1 }));
      for (const status of ['completed', 'failed', 'expired', 'cancelled'] as const) {
        await store.insertSession(session({ expires_at: now - 100, status }));
      }
      expect((await store.listExpiredSessions(now, 10)).map((r) => r.id)).toEqual([due1.id, due3.id, due2.id]);
      expect((await store.listExpiredSessions(now, 2)).map((r) => r.id)).toEqual([due1.id, due3.id]);
      expect(await store.listExpiredSessions(T0, 10)).toEqual([]);
    });

    it('counts a user’s recent failures (spoof verdicts or failed sessions)', async () => {
      const since = T0 + 1_000;
      const fail = (over: Partial<SessionRow>) =>
        store.insertSession(session({ user_identifier: 'u1', completed_at: since + 10, ...over }));
      await fail({ status: 'completed', verdict: 'spoof' });
      await fail({ status: 'failed', verdict: null });
      await fail({ status: 'failed', verdict: 'spoof', completed_at: since });
      await fail({ status: 'failed', completed_at: since - 1 }); // too old
      await fail({ status: 'completed', verdict: 'live' }); // a success
      await fail({ status: 'failed', user_identifier: 'u2' }); // another user
      await fail({ status: 'failed', tenant_id: 'ten_b' }); // another tenant
      await fail({ status: 'pending', completed_at: null });
      expect(await store.countRecentFailures('ten_a', 'u1', since)).toBe(3);
      expect(await store.countRecentFailures('ten_a', 'u2', since)).toBe(1);
      expect(await store.countRecentFailures('ten_a', 'nobody', since)).toBe(0);
      expect(await store.listRecentFailureTimes('ten_a', 'u1', since)).toEqual([since, since + 10, since + 10]);
      expect(await store.listRecentFailureTimes('ten_a', 'nobody', since)).toEqual([]);
    });
  });

  describe('attempts and evidence', () => {
    let s: SessionRow;
    beforeEach(async () => {
      s = session();
      await store.insertSession(s);
    });

    it('stores attempts in order and patches them', async () => {
      const a2 = attempt(s.id, 2, { light_challenge: { colors: ['#f00', '#0f0'] }, device_profile: { gpu: 'webgl' } });
      const a1 = attempt(s.id, 1);
      await store.insertAttempt(a2);
      await store.insertAttempt(a1);
      expect(await store.getAttempt(a2.id)).toEqual(a2);
      expect(await store.getAttempt('att_missing')).toBeNull();
      expect((await store.listAttempts(s.id)).map((a) => a.number)).toEqual([1, 2]);
      await expectStoreError(store.insertAttempt({ ...a1, id: 'att_dup' }), 'conflict');

      await store.updateAttempt(a1.id, { status: 'analysed', client_summary: { frames: 120 }, result: { score: 0.97 }, finished_at: T0 + 99 });
      expect(await store.getAttempt(a1.id)).toEqual({
        ...a1,
        status: 'analysed',
        client_summary: { frames: 120 },
        result: { score: 0.97 },
        finished_at: T0 + 99,
      });
    });

    it('stores a chunk once: duplicate and conflict never overwrite', async () => {
      const a = attempt(s.id, 1);
      await store.insertAttempt(a);
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const chunk = { attempt_id: a.id, seq: 0, sha256: 'sha-0', bytes, received_at: T0 };
      expect(await store.putEvidenceChunk(chunk)).toBe('stored');
      expect(await store.putEvidenceChunk({ ...chunk, received_at: T0 + 1 })).toBe('duplicate');
      expect(await store.putEvidenceChunk({ ...chunk, sha256: 'sha-other', bytes: new Uint8Array([9]) })).toBe('conflict');
      expect(await store.putEvidenceChunk({ attempt_id: a.id, seq: 1, sha256: 'sha-1', bytes: new Uint8Array(1000), received_at: T0 })).toBe('stored');

      const chunks = await store.listEvidenceChunks(a.id);
      expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
      expect(chunks[0]).toEqual(chunk);
      expect(chunks[0].bytes).toBeInstanceOf(Uint8Array);
      expect(Array.from(chunks[0].bytes)).toEqual(Array.from(bytes));
      expect(await store.evidenceBytes(a.id)).toBe(1256);
      expect(await store.evidenceBytes('att_missing')).toBe(0);
    });

    it('deletes the evidence of one session only', async () => {
      const other = session();
      await store.insertSession(other);
      const a1 = attempt(s.id, 1);
      const a2 = attempt(s.id, 2);
      const b1 = attempt(other.id, 1);
      for (const a of [a1, a2, b1]) await store.insertAttempt(a);
      const put = (attemptId: string, seq: number) =>
        store.putEvidenceChunk({ attempt_id: attemptId, seq, sha256: `h${seq}`, bytes: new Uint8Array([seq, 1, 2]), received_at: T0 });
      await put(a1.id, 0);
      await put(a1.id, 1);
      await put(a2.id, 0);
      await put(b1.id, 0);

      expect(await store.deleteEvidence(s.id)).toBe(3);
      expect(await store.listEvidenceChunks(a1.id)).toEqual([]);
      expect(await store.evidenceBytes(a2.id)).toBe(0);
      expect(await store.evidenceBytes(b1.id)).toBe(3);
      expect(await store.deleteEvidence(s.id)).toBe(0);
      // Attempts stay; only the bytes go.
      expect((await store.listAttempts(s.id)).length).toBe(2);
    });

    it('purges the evidence of sessions that ended before the cutoff, and only theirs', async () => {
      const ended = (status: SessionRow['status'], updated_at: number) => session({ status, updated_at });
      const old = [ended('completed', T0), ended('failed', T0 + 1), ended('expired', T0 + 2), ended('cancelled', T0 + 3)];
      const recent = ended('completed', T0 + 10_000);
      const running = ended('in_progress', T0);
      const all = [...old, recent, running];
      const attempts = all.map((row) => attempt(row.id, 1));
      for (const row of all) await store.insertSession(row);
      for (const a of attempts) {
        await store.insertAttempt(a);
        await store.putEvidenceChunk({ attempt_id: a.id, seq: 0, sha256: 'h', bytes: new Uint8Array([1, 2, 3]), received_at: T0 });
      }
      expect(await store.purgeEvidenceBefore(T0 + 5_000)).toBe(old.length);
      for (const [i, a] of attempts.entries()) expect(await store.evidenceBytes(a.id), all[i].status).toBe(i < old.length ? 0 : 3);
      expect(await store.purgeEvidenceBefore(T0 + 5_000)).toBe(0);
    });

    it('finds evidence fingerprints other attempts of the same tenant left, and purges old ones', async () => {
      const a = attempt(s.id, 1);
      const b = attempt(s.id, 2);
      for (const x of [a, b]) await store.insertAttempt(x);
      const many = Array.from({ length: 450 }, (_, i) => `c:${i.toString(16).padStart(16, '0')}`);
      await store.putEvidenceFingerprints({ tenant_id: 'ten_a', session_id: s.id, attempt_id: a.id, created_at: T0, hashes: [...many, many[0]] });
      // Stored once per attempt: a second put of the same hashes changes nothing.
      await store.putEvidenceFingerprints({ tenant_id: 'ten_a', session_id: s.id, attempt_id: a.id, created_at: T0, hashes: many.slice(0, 10) });
      await store.putEvidenceFingerprints({ tenant_id: 'ten_b', session_id: 'sess_b', attempt_id: 'att_b', created_at: T0 + 10_000, hashes: many.slice(0, 5) });
      const probe = [...many.slice(100, 130), 'c:ffffffffffffffff'];
      expect(await store.findEvidenceReuse('ten_a', probe, b.id)).toEqual([{ attempt_id: a.id, session_id: s.id, matches: 30 }]);
      // Its own attempt and other tenants never count.
      expect(await store.findEvidenceReuse('ten_a', probe, a.id)).toEqual([]);
      expect(await store.findEvidenceReuse('ten_c', many, b.id)).toEqual([]);
      expect(await store.findEvidenceReuse('ten_b', many, b.id)).toEqual([{ attempt_id: 'att_b', session_id: 'sess_b', matches: 5 }]);
      // A probe larger than one statement's batch is counted across batches.
      expect(await store.findEvidenceReuse('ten_a', many, b.id)).toEqual([{ attempt_id: a.id, session_id: s.id, matches: 450 }]);

      expect(await store.purgeEvidenceFingerprintsBefore(T0 + 1)).toBe(450);
      expect(await store.findEvidenceReuse('ten_a', many, b.id)).toEqual([]);
      expect(await store.findEvidenceReuse('ten_b', many, b.id)).toHaveLength(1);
    });

    it('records the first reveal of each light-challenge step', async () => {
      const a = attempt(s.id, 1);
      await store.insertAttempt(a);
      expect(await store.listLightReveals(a.id)).toEqual([]);
      await store.recordLightReveals(a.id, [0, 1], 740);
      await store.recordLightReveals(a.id, [1, 2], 1600);
      await store.recordLightReveals(a.id, [], 1700);
      expect(await store.listLightReveals(a.id)).toEqual([
        { step: 0, revealed_at_ms: 740 },
        { step: 1, revealed_at_ms: 740 },
        { step: 2, revealed_at_ms: 1600 },
      ]);
      expect(await store.listLightReveals('att_missing')).toEqual([]);
    });

    it('keeps an empty chunk as zero bytes', async () => {
      const a = attempt(s.id, 1);
      await store.insertAttempt(a);
      expect(await store.putEvidenceChunk({ attempt_id: a.id, seq: 0, sha256: 'e', bytes: new Uint8Array(0), received_at: T0 })).toBe('stored');
      const [c] = await store.listEvidenceChunks(a.id);
      expect(c.bytes).toBeInstanceOf(Uint8Array);
      expect(c.bytes.length).toBe(0);
    });
  });

  describe('attestations', () => {
    it('stores, reads and revokes once', async () => {
      const s = session();
      await store.insertSession(s);
      const row = {
        jti: s.id,
        tenant_id: 'ten_a',
        session_id: s.id,
        kid: 'kid-1',
        token: 'eyJ.a.b',
        claims: { sub: 'user', action_sha256: 'a'.repeat(64), liveness: { verdict: 'live', score: 0.98 } },
        issued_at: T0,
        expires_at: T0 + 600_000,
        revoked_at: null,
        revoke_reason: null,
      };
      await store.insertAttestation(row);
      expect(await store.getAttestation(s.id)).toEqual(row);
      expect(await store.getAttestation('unknown')).toBeNull();
      expect(await store.revokeAttestation(s.id, T0 + 5, 'user reported fraud')).toBe(true);
      expect(await store.revokeAttestation(s.id, T0 + 6, 'again')).toBe(false);
      expect(await store.revokeAttestation('unknown', T0, null)).toBe(false);
      expect(await store.getAttestation(s.id)).toEqual({ ...row, revoked_at: T0 + 5, revoke_reason: 'user reported fraud' });
      await expectStoreError(store.insertAttestation(row), 'conflict');
    });
  });

  describe('audit and reviews', () => {
    it('appends audit events with increasing ids and lists them in order', async () => {
      const s = session();
      const other = session();
      await store.insertSession(s);
      await store.insertSession(other);
      const types = ['session_created', 'user_opened_url', 'capture_started', 'capture_finished', 'session_completed'];
      const appended = [];
      for (const [i, type] of types.entries()) {
        appended.push(await store.appendAudit({ session_id: s.id, tenant_id: 'ten_a', type, at: T0 + 10 - i, data: i % 2 ? { i } : null }));
        await store.appendAudit({ session_id: other.id, tenant_id: 'ten_a', type: 'noise', at: T0, data: null });
      }
      const ids = appended.map((e) => e.id);
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      expect(appended[1]).toEqual({ id: ids[1], session_id: s.id, tenant_id: 'ten_a', type: 'user_opened_url', at: T0 + 9, data: { i: 1 } });
      // Insertion order, not timestamp order: the log is what happened, as it happened.
      expect(await store.listAudit(s.id)).toEqual(appended);
      expect(await store.listAudit('nothing')).toEqual([]);
    });

    it('stores reviews per session', async () => {
      const s = session();
      await store.insertSession(s);
      const c = { id: 'rv_1', session_id: s.id, tenant_id: 'ten_a', kind: 'comment' as const, message: 'looks fine', decision: null, created_at: T0 };
      const d = { id: 'rv_2', session_id: s.id, tenant_id: 'ten_a', kind: 'decision' as const, message: 'ok', decision: 'approved' as const, created_at: T0 + 1 };
      await store.insertReview(d);
      await store.insertReview(c);
      expect(await store.listReviews(s.id)).toEqual([c, d]);
    });
  });

  describe('signing keys', () => {
    it('lists keys oldest first and retires once', async () => {
      const k = (kid: string, at: number) => ({
        kid,
        alg: 'ES256' as const,
        private_jwk: { kty: 'EC', crv: 'P-256', d: `d-${kid}`, x: 'x', y: 'y' },
        public_jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid },
        created_at: at,
        activates_at: at + 60_000,
        retired_at: null,
      });
      const k2 = k('k2', T0 + 10);
      const k1 = k('k1', T0);
      await store.insertSigningKey(k2);
      await store.insertSigningKey(k1);
      expect(await store.listSigningKeys()).toEqual([k1, k2]);
      await store.retireSigningKey('k1', T0 + 100);
      await store.retireSigningKey('k1', T0 + 500);
      expect((await store.listSigningKeys())[0].retired_at).toBe(T0 + 100);
      await expectStoreError(store.retireSigningKey('k-missing', T0), 'not_found');
      await expectStoreError(store.insertSigningKey(k1), 'conflict');
    });
  });

  describe('webhooks', () => {
    it('keeps endpoints per tenant, disables and deletes them', async () => {
      const e1 = endpoint({ events: ['session.completed', 'session.failed'] });
      const e2 = endpoint({ created_at: T0 + 1 });
      const eb = endpoint({ tenant_id: 'ten_b' });
      for (const e of [e1, e2, eb]) await store.insertWebhookEndpoint(e);
      expect(await store.getWebhookEndpoint(e1.id)).toEqual(e1);
      expect(await store.getWebhookEndpoint('we_missing')).toBeNull();
      expect((await store.listWebhookEndpoints('ten_a')).map((e) => e.id)).toEqual([e1.id, e2.id]);

      await store.disableWebhookEndpoint(e1.id, 'receiver answered 410 Gone');
      expect(await store.getWebhookEndpoint(e1.id)).toEqual({ ...e1, enabled: false, disabled_reason: 'receiver answered 410 Gone' });

      expect(await store.deleteWebhookEndpoint('ten_b', e1.id)).toBe(false);
      expect(await store.deleteWebhookEndpoint('ten_a', e1.id)).toBe(true);
      expect(await store.deleteWebhookEndpoint('ten_a', e1.id)).toBe(false);
      expect((await store.listWebhookEndpoints('ten_a')).map((e) => e.id)).toEqual([e2.id]);
    });

    it('keeps the delivery outbox and its attempt log; deleting the endpoint drops both', async () => {
      const e = endpoint();
      await store.insertWebhookEndpoint(e);
      const d1 = delivery(e.id);
      const d2 = delivery(e.id, { created_at: T0 + 1, payload: { deep: { list: [1, 'two', null, { three: 3 }] }, s: '"quoted" \\ ✓' } });
      await store.enqueueDelivery(d1);
      await store.enqueueDelivery(d2);
      expect(await store.getDelivery(d2.id)).toEqual(d2);
      expect(await store.getDelivery('msg_missing')).toBeNull();
      expect((await store.listDeliveries(e.id)).map((d) => d.id)).toEqual([d1.id, d2.id]);
      await expectStoreError(store.enqueueDelivery(d1), 'conflict');

      await store.updateDelivery(d1.id, { attempts: 1, last_status_code: 503, last_error: 'Service Unavailable', next_attempt_at: T0 + 5_000, updated_at: T0 + 1, locked_until: null });
      expect(await store.getDelivery(d1.id)).toEqual({ ...d1, attempts: 1, last_status_code: 503, last_error: 'Service Unavailable', next_attempt_at: T0 + 5_000, updated_at: T0 + 1 });
      await store.updateDelivery(d1.id, { status: 'delivered', last_status_code: 200, last_error: null });
      expect((await store.getDelivery(d1.id))?.status).toBe('delivered');

      await store.recordDeliveryAttempt({ delivery_id: d1.id, attempt: 2, at: T0 + 5_000, status_code: 200, error: null, duration_ms: 12 });
      await store.recordDeliveryAttempt({ delivery_id: d1.id, attempt: 1, at: T0, status_code: 503, error: 'Service Unavailable', duration_ms: 30 });
      expect(await store.listDeliveryAttempts(d1.id)).toEqual([
        { delivery_id: d1.id, attempt: 1, at: T0, status_code: 503, error: 'Service Unavailable', duration_ms: 30 },
        { delivery_id: d1.id, attempt: 2, at: T0 + 5_000, status_code: 200, error: null, duration_ms: 12 },
      ]);

      expect(await store.deleteWebhookEndpoint('ten_a', e.id)).toBe(true);
      expect(await store.getDelivery(d1.id)).toBeNull();
      expect(await store.listDeliveryAttempts(d1.id)).toEqual([]);
      // A worker finishing an attempt after the delete has nothing to log against; that is not an error.
      await store.recordDeliveryAttempt({ delivery_id: d2.id, attempt: 1, at: T0, status_code: null, error: 'ECONNREFUSED', duration_ms: 1 });
      expect(await store.listDeliveryAttempts(d2.id)).toEqual([]);
    });

    it('prunes finished deliveries older than the cutoff with their attempt log; pending ones stay', async () => {
      const e = endpoint();
      await store.insertWebhookEndpoint(e);
      const old = (status: DeliveryRow['status']) => delivery(e.id, { status, updated_at: T0 });
      const rows = [old('delivered'), old('failed'), old('dead'), old('pending'), delivery(e.id, { status: 'delivered', updated_at: T0 + 10_000 })];
      for (const d of rows) {
        await store.enqueueDelivery(d);
        await store.recordDeliveryAttempt({ delivery_id: d.id, attempt: 1, at: T0, status_code: 200, error: null, duration_ms: 5 });
      }
      expect(await store.pruneDeliveries(T0 + 5_000)).toBe(3);
      expect((await store.listDeliveries(e.id)).map((d) => d.id).sort()).toEqual([rows[3].id, rows[4].id].sort());
      expect(await store.listDeliveryAttempts(rows[0].id)).toEqual([]);
      expect(await store.listDeliveryAttempts(rows[3].id)).toHaveLength(1);
      expect(await store.pruneDeliveries(T0 + 5_000)).toBe(0);
    });

    it('claims only due, unlocked, pending deliveries and locks them', async () => {
      const e = endpoint();
      await store.insertWebhookEndpoint(e);
      const now = T0 + 10_000;
      const dueOld = delivery(e.id, { next_attempt_at: now - 500 });
      const dueNow = delivery(e.id, { next_attempt_at: now });
      const lockExpired = delivery(e.id, { next_attempt_at: now - 100, locked_until: now - 1 });
      await store.enqueueDelivery(dueNow);
      await store.enqueueDelivery(dueOld);
      await store.enqueueDelivery(lockExpired);
      await store.enqueueDelivery(delivery(e.id, { next_attempt_at: now + 1 })); // not yet due
      await store.enqueueDelivery(delivery(e.id, { next_attempt_at: now - 50, locked_until: now + 1 })); // someone holds it
      for (const status of ['delivered', 'failed', 'dead'] as const) {
        await store.enqueueDelivery(delivery(e.id, { next_attempt_at: now - 1_000, status }));
      }

      const claimed = await store.claimDueDeliveries(now, now + 30_000, 10);
      expect(claimed.map((d) => d.id)).toEqual([dueOld.id, lockExpired.id, dueNow.id]);
      expect(claimed.every((d) => d.locked_until === now + 30_000)).toBe(true);
      expect(claimed[0]).toEqual({ ...dueOld, locked_until: now + 30_000 });
      expect((await store.getDelivery(dueNow.id))?.locked_until).toBe(now + 30_000);

      // Locked now: a second claim before the lock runs out gets nothing.
      expect(await store.claimDueDeliveries(now, now + 60_000, 10)).toEqual([]);
      // After the lock expires (a worker died), they come back.
      // (by then the two deliveries that were not yet due or held elsewhere are claimable too).
      const again = await store.claimDueDeliveries(now + 30_000, now + 90_000, 10);
      expect(again.length).toBe(5);
      expect(again.slice(0, 2).map((d) => d.id)).toEqual([dueOld.id, lockExpired.id]);
      expect(again.some((d) => d.id === dueNow.id)).toBe(true);
      expect(await store.claimDueDeliveries(now, now, 0)).toEqual([]);
    });

    it('never hands the same delivery to two concurrent claimers', async () => {
      const e = endpoint();
      await store.insertWebhookEndpoint(e);
      const total = 60;
      for (let i = 0; i < total; i++) await store.enqueueDelivery(delivery(e.id, { next_attempt_at: T0 + (i % 7) }));
      const other = await db.second();
      const now = T0 + 100;

      async function drain(s: Store): Promise<string[]> {
        const got: string[] = [];
        for (;;) {
          const batch = await s.claimDueDeliveries(now, now + 60_000, 4);
          if (batch.length === 0) return got;
          got.push(...batch.map((d) => d.id));
        }
      }
      // Two instances, two workers each.
      const results = await Promise.all([drain(store), drain(other), drain(store), drain(other)]);
      const all = results.flat();
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(total);
    });
  });

  describe('lifecycle', () => {
    it('close() is idempotent and later calls fail', async () => {
      await store.close();
      await store.close();
      await expect(store.getTenant('ten_a')).rejects.toThrow();
    });
  });
});
