// The Store's queries, written once in the SQL both SQLite and PostgreSQL accept (`?` placeholders,
// ON CONFLICT, RETURNING, partial indexes). A driver per dialect runs them and converts values.

import type { ColumnKind, TableSpec } from './tables.ts';
import {
  API_KEYS, ATTEMPTS, ATTESTATIONS, AUDIT_EVENTS, EVIDENCE_CHUNKS, POLICIES, REVIEWS, SESSIONS, SIGNING_KEYS,
  TENANT_POLICY_FLOORS, TENANTS, WEBHOOK_DELIVERIES, WEBHOOK_DELIVERY_ATTEMPTS, WEBHOOK_ENDPOINTS,
} from './tables.ts';
import type { Dialect } from './migrations.ts';
import { probeQueries } from './probe.ts';
import { identityTemplateQueries } from './identity-templates.ts';
import { rateLimitQueries } from './rate-limits.ts';
import type {
  ApiKeyRow, AttemptRow, AttestationRow, AuditEventRow, DeliveryAttemptRow, DeliveryRow, EvidenceChunkRow, EvidenceReuse,
  PolicyRow, ReviewRow, SessionPatch, SessionRow, SessionStatus, SessionStatusRow, SigningKeyRow, Store, TenantPolicyFloorRow,
  TenantRow, WebhookEndpointRow,
} from './types.ts';
import { StoreError, TERMINAL_STATUSES } from './types.ts';

export type SqlValue = string | number | bigint | boolean | null | Uint8Array;
export type SqlRow = Record<string, unknown>;

/** What a dialect provides to the shared queries. */
export interface SqlDriver {
  readonly dialect: Dialect;
  /** Runs one statement with `?` placeholders; returns its rows (RETURNING included). */
  all(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs one statement; returns how many rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  encode(kind: ColumnKind, value: unknown): SqlValue;
  decode(kind: ColumnKind, value: unknown): unknown;
  /** Maps a driver error to a StoreError when it is one a caller can act on. */
  classify(err: unknown): StoreError | null;
  /** SQL expression for the byte length of a bytes column. */
  byteLength(column: string): string;
  /** Appended to the row-picking subquery of a claim (PostgreSQL: FOR UPDATE SKIP LOCKED). */
  readonly claimLockClause: string;
  /** Statements that drop copies of rewritten values the database still keeps (see Store.scrubRewrittenSecrets). */
  readonly scrubSql: readonly string[];
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const LIVE_STATUSES = `('pending', 'in_progress')`;
const ENDED_STATUSES = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ')})`;

const SESSION_PATCH_COLUMNS = [
  'status', 'attempts_used', 'verdict', 'failure_reasons', 'cancel_reason', 'opened_at', 'completed_at', 'updated_at',
  'capture_token_hash', 'webhooks_queued_at',
] as const;
const ATTEMPT_COLUMNS = ATTEMPTS.columns.join(', ');
const ATTEMPT_PATCH_COLUMNS = ['status', 'client_summary', 'result', 'finished_at'] as const;
const DELIVERY_PATCH_COLUMNS = [
  'status', 'attempts', 'next_attempt_at', 'last_status_code', 'last_error', 'updated_at', 'locked_until',
] as const;

export function createSqlStore(driver: SqlDriver): Store {
  const insertSql = new Map<TableSpec, string>();

  async function all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    try {
      return await driver.all(sql, params);
    } catch (err) {
      throw driver.classify(err) ?? err;
    }
  }

  async function run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      return await driver.run(sql, params);
    } catch (err) {
      throw driver.classify(err) ?? err;
    }
  }

  const converted = new Map<TableSpec, [string, ColumnKind][]>();

  function decode<T>(spec: TableSpec, row: SqlRow): T {
    let cols = converted.get(spec);
    if (cols === undefined) {
      cols = Object.entries(spec.kinds);
      converted.set(spec, cols);
    }
    // A plain object (drivers may hand out null-prototype rows), then convert the few typed columns.
    const out: Record<string, unknown> = { ...row };
    for (const [column, kind] of cols) {
      if (column in out) out[column] = driver.decode(kind, out[column]);
    }
    return out as T;
  }

  function param(spec: TableSpec, column: string, value: unknown): SqlValue {
    const kind = spec.kinds[column];
    if (kind !== undefined) return driver.encode(kind, value);
    return value === undefined ? null : (value as SqlValue);
  }

  async function first<T>(spec: TableSpec, sql: string, params: readonly SqlValue[]): Promise<T | null> {
    const rows = await all(sql, params);
    return rows.length === 0 ? null : decode<T>(spec, rows[0]);
  }

  async function many<T>(spec: TableSpec, sql: string, params: readonly SqlValue[]): Promise<T[]> {
    const rows = await all(sql, params);
    return rows.map((r) => decode<T>(spec, r));
  }

  async function insert(spec: TableSpec, row: object): Promise<void> {
    let sql = insertSql.get(spec);
    if (sql === undefined) {
      sql = `INSERT INTO ${spec.name} (${spec.columns.join(', ')}) VALUES (${spec.columns.map(() => '?').join(', ')})`;
      insertSql.set(spec, sql);
    }
    const values = row as Record<string, unknown>;
    await run(sql, spec.columns.map((c) => param(spec, c, values[c])));
  }

  /** `SET a = ?, b = ?` for the patch keys that are allowed and defined. */
  function setClause(spec: TableSpec, allowed: readonly string[], patch: object): { sql: string; params: SqlValue[] } {
    const values = patch as Record<string, unknown>;
    const cols = allowed.filter((c) => values[c] !== undefined);
    return { sql: cols.map((c) => `${c} = ?`).join(', '), params: cols.map((c) => param(spec, c, values[c])) };
  }

  function placeholders(n: number): string {
    return Array.from({ length: n }, () => '?').join(', ');
  }

  const store: Store = {
    kind: driver.dialect,

    migrate: () => driver.migrate(),
    async scrubRewrittenSecrets() {
      for (const sql of driver.scrubSql) await all(sql, []);
    },
    close: () => driver.close(),

    // Tenants and API keys
    createTenant: (row: TenantRow) => insert(TENANTS, row),
    getTenant: (id) => first<TenantRow>(TENANTS, 'SELECT * FROM tenants WHERE id = ?', [id]),
    async countTenants() {
      const rows = await all('SELECT COUNT(*) AS n FROM tenants');
      return Number(rows[0].n);
    },
    insertApiKey: (row: ApiKeyRow) => insert(API_KEYS, row),
    getApiKey: (id) => first<ApiKeyRow>(API_KEYS, 'SELECT * FROM api_keys WHERE id = ?', [id]),
    listApiKeys: (tenantId) =>
      tenantId === undefined
        ? many<ApiKeyRow>(API_KEYS, 'SELECT * FROM api_keys ORDER BY created_at, id', [])
        : many<ApiKeyRow>(API_KEYS, 'SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id', [tenantId]),
    async revokeApiKey(id, at) {
      return (await run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0;
    },
    async touchApiKey(id, at) {
      await run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [at, id]);
    },

    // Policies
    insertPolicy: (row: PolicyRow) => insert(POLICIES, row),
    getPolicy: (tenantId, id) =>
      first<PolicyRow>(POLICIES, 'SELECT * FROM policies WHERE tenant_id = ? AND id = ?', [tenantId, id]),
    listPolicies: (tenantId) =>
      many<PolicyRow>(POLICIES, 'SELECT * FROM policies WHERE tenant_id = ? ORDER BY created_at, id', [tenantId]),
    updatePolicy: (tenantId, id, config, name, at) =>
      first<PolicyRow>(
        POLICIES,
        'UPDATE policies SET config = ?, name = ?, updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? RETURNING *',
        [param(POLICIES, 'config', config), name, at, tenantId, id],
      ),
    getTenantPolicyFloor: (tenantId) =>
      first<TenantPolicyFloorRow>(TENANT_POLICY_FLOORS, 'SELECT * FROM tenant_policy_floors WHERE tenant_id = ?', [tenantId]),
    async setTenantPolicyFloor(row: TenantPolicyFloorRow) {
      await run(
        'INSERT INTO tenant_policy_floors (tenant_id, floor, updated_at) VALUES (?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET floor = excluded.floor, updated_at = excluded.updated_at',
        [row.tenant_id, param(TENANT_POLICY_FLOORS, 'floor', row.floor), row.updated_at],
      );
    },

    // Sessions
    insertSession: (row: SessionRow) => insert(SESSIONS, row),
    getSession: (id) => first<SessionRow>(SESSIONS, 'SELECT * FROM sessions WHERE id = ?', [id]),
    getSessionStatus: (id) =>
      first<SessionStatusRow>(SESSIONS, 'SELECT id, tenant_id, status, verdict, failure_reasons, completed_at, expires_at FROM sessions WHERE id = ?', [id]),
    findSessionByIdempotencyKey: (tenantId, key) =>
      first<SessionRow>(SESSIONS, 'SELECT * FROM sessions WHERE tenant_id = ? AND idempotency_key = ?', [tenantId, key]),
    async updateSession(id, fromStatuses: readonly SessionStatus[], patch: SessionPatch) {
      if (fromStatuses.length === 0) return null;
      const set = setClause(SESSIONS, SESSION_PATCH_COLUMNS, patch);
      const where = `id = ? AND status IN (${placeholders(fromStatuses.length)})`;
      // An empty patch is still a compare: it returns the row when the status matches.
      const sql = set.sql === ''
        ? `SELECT * FROM sessions WHERE ${where}`
        : `UPDATE sessions SET ${set.sql} WHERE ${where} RETURNING *`;
      return first<SessionRow>(SESSIONS, sql, [...set.params, id, ...fromStatuses]);
    },
    listUnqueuedTerminalSessions: (endedBefore, limit) =>
      many<SessionRow>(
        SESSIONS,
        `SELECT * FROM sessions WHERE webhooks_queued_at IS NULL AND status IN ${ENDED_STATUSES}
         AND updated_at < ? ORDER BY updated_at, id LIMIT ?`,
        [endedBefore, limit],
      ),
    listExpiredSessions: (now, limit) =>
      many<SessionRow>(
        SESSIONS,
        `SELECT * FROM sessions WHERE status IN ${LIVE_STATUSES} AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
        [now, limit],
      ),
    async countRecentFailures(tenantId, userIdentifier, since) {
      // completed_at is set on every terminal transition, so it dates the failure.
      const rows = await all(
        `SELECT COUNT(*) AS n FROM sessions
         WHERE tenant_id = ? AND user_identifier = ? AND completed_at >= ? AND (verdict = 'spoof' OR status = 'failed')`,
        [tenantId, userIdentifier, since],
      );
      return Number(rows[0].n);
    },

    async listRecentFailureTimes(tenantId, userIdentifier, since) {
      const rows = await all(
        `SELECT completed_at FROM sessions
         WHERE tenant_id = ? AND user_identifier = ? AND completed_at >= ? AND (verdict = 'spoof' OR status = 'failed')
         ORDER BY completed_at`,
        [tenantId, userIdentifier, since],
      );
      return rows.map((r) => Number(r.completed_at));
    },

    reserveAttempt: (sessionId, at) =>
      // One statement: PostgreSQL re-checks the WHERE on the row it locked, SQLite has one writer.
      first<SessionRow>(
        SESSIONS,
        `UPDATE sessions SET attempts_used = attempts_used + 1, status = 'in_progress', updated_at = ?
         WHERE id = ? AND status IN ${LIVE_STATUSES} AND attempts_used < max_attempts RETURNING *`,
        [at, sessionId],
      ),

    // Attempts and evidence (evidence_bytes, the running total, stays inside the store)
    insertAttempt: (row: AttemptRow) => insert(ATTEMPTS, row),
    getAttempt: (id) => first<AttemptRow>(ATTEMPTS, `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE id = ?`, [id]),
    listAttempts: (sessionId) =>
      many<AttemptRow>(ATTEMPTS, `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE session_id = ? ORDER BY number`, [sessionId]),
    supersedeOlderAttempts: (sessionId, at) =>
      run(
        `UPDATE attempts SET status = 'superseded', finished_at = ?
         WHERE session_id = ? AND status = 'capturing' AND number < (SELECT MAX(number) FROM attempts WHERE session_id = ?)`,
        [at, sessionId, sessionId],
      ),
    async updateAttempt(id, patch) {
      const set = setClause(ATTEMPTS, ATTEMPT_PATCH_COLUMNS, patch);
      if (set.sql === '') return;
      await run(`UPDATE attempts SET ${set.sql} WHERE id = ?`, [...set.params, id]);
    },
    async putEvidenceChunk(row: EvidenceChunkRow, limits = {}) {
      const stored = async () => {
        const existing = await all('SELECT sha256 FROM evidence_chunks WHERE attempt_id = ? AND seq = ?', [row.attempt_id, row.seq]);
        if (existing.length === 0) return null;
        return existing[0].sha256 === row.sha256 ? ('duplicate' as const) : ('conflict' as const);
      };
      // A retry is answered before counting: it must not be refused for the bytes it already sent.
      const before = await stored();
      if (before !== null) return before;
      const size = row.bytes.byteLength;
      // Check and count in one statement (PostgreSQL re-checks the WHERE on the row it locked).
      const counted = await run('UPDATE attempts SET evidence_bytes = evidence_bytes + ? WHERE id = ? AND evidence_bytes + ? <= ?', [
        size, row.attempt_id, size, limits.maxAttemptBytes ?? Number.MAX_SAFE_INTEGER,
      ]);
      if (counted === 0) {
        const exists = await all('SELECT 1 AS found FROM attempts WHERE id = ?', [row.attempt_id]);
        if (exists.length === 0) throw new StoreError('not_found', `no attempt ${row.attempt_id}`);
        return (await stored()) ?? 'too_large';
      }
      const cols = EVIDENCE_CHUNKS.columns;
      const changed = await run(
        `INSERT INTO evidence_chunks (${cols.join(', ')}) VALUES (${placeholders(cols.length)})
         ON CONFLICT (attempt_id, seq) DO NOTHING`,
        cols.map((c) => param(EVIDENCE_CHUNKS, c, (row as unknown as Record<string, unknown>)[c])),
      );
      if (changed > 0) return 'stored';
      // A parallel copy of the same seq won: give the bytes back.
      await run('UPDATE attempts SET evidence_bytes = evidence_bytes - ? WHERE id = ?', [size, row.attempt_id]);
      return (await stored()) ?? 'conflict';
    },
    listEvidenceChunks: (attemptId) =>
      many<EvidenceChunkRow>(EVIDENCE_CHUNKS, 'SELECT * FROM evidence_chunks WHERE attempt_id = ? ORDER BY seq', [
        attemptId,
      ]),
    async evidenceBytes(attemptId) {
      const rows = await all(
        `SELECT COALESCE(SUM(${driver.byteLength('bytes')}), 0) AS n FROM evidence_chunks WHERE attempt_id = ?`,
        [attemptId],
      );
      return Number(rows[0].n);
    },
    /** Deletes the evidence chunks of every attempt of the session; returns how many chunks went. */
    deleteEvidence: (sessionId) =>
      run('DELETE FROM evidence_chunks WHERE attempt_id IN (SELECT id FROM attempts WHERE session_id = ?)', [sessionId]),
    purgeEvidenceBefore: (endedBefore) =>
      run(
        `DELETE FROM evidence_chunks WHERE attempt_id IN (
           SELECT a.id FROM attempts a JOIN sessions s ON s.id = a.session_id
           WHERE s.status IN ${ENDED_STATUSES} AND s.updated_at < ?)`,
        [endedBefore],
      ),
    async putEvidenceFingerprints({ tenant_id, session_id, attempt_id, created_at, hashes }) {
      const unique = [...new Set(hashes)];
      // Batches keep every statement well under both dialects' parameter limits.
      for (let i = 0; i < unique.length; i += 200) {
        const batch = unique.slice(i, i + 200);
        await run(
          `INSERT INTO evidence_fingerprints (tenant_id, hash, attempt_id, session_id, created_at)
           VALUES ${batch.map(() => '(?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (tenant_id, hash, attempt_id) DO NOTHING`,
          batch.flatMap((hash) => [tenant_id, hash, attempt_id, session_id, created_at]),
        );
      }
    },
    async findEvidenceReuse(tenantId, hashes, exceptAttemptId) {
      const unique = [...new Set(hashes)];
      const counts = new Map<string, EvidenceReuse>();
      for (let i = 0; i < unique.length; i += 500) {
        const batch = unique.slice(i, i + 500);
        const rows = await all(
          `SELECT attempt_id, session_id, COUNT(*) AS n FROM evidence_fingerprints
           WHERE tenant_id = ? AND attempt_id <> ? AND hash IN (${placeholders(batch.length)})
           GROUP BY attempt_id, session_id`,
          [tenantId, exceptAttemptId, ...batch],
        );
        for (const r of rows) {
          const key = String(r.attempt_id);
          const seen = counts.get(key) ?? { attempt_id: key, session_id: String(r.session_id), matches: 0 };
          seen.matches += Number(r.n);
          counts.set(key, seen);
        }
      }
      return [...counts.values()].sort((a, b) => b.matches - a.matches || a.attempt_id.localeCompare(b.attempt_id));
    },
    purgeEvidenceFingerprintsBefore: (before) => run('DELETE FROM evidence_fingerprints WHERE created_at < ?', [before]),
    async recordLightReveals(attemptId, steps, revealedAtMs) {
      if (steps.length === 0) return;
      await run(
        `INSERT INTO light_reveals (attempt_id, step, revealed_at_ms) VALUES ${steps.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (attempt_id, step) DO NOTHING`,
        steps.flatMap((step) => [attemptId, step, Math.round(revealedAtMs)]),
      );
    },
    async listLightReveals(attemptId) {
      const rows = await all('SELECT step, revealed_at_ms FROM light_reveals WHERE attempt_id = ? ORDER BY step', [attemptId]);
      return rows.map((r) => ({ step: Number(r.step), revealed_at_ms: Number(r.revealed_at_ms) }));
    },

    // Attestations
    insertAttestation: (row: AttestationRow) => insert(ATTESTATIONS, row),
    getAttestation: (jti) => first<AttestationRow>(ATTESTATIONS, 'SELECT * FROM attestations WHERE jti = ?', [jti]),
    async revokeAttestation(jti, at, reason) {
      const n = await run(
        'UPDATE attestations SET revoked_at = ?, revoke_reason = ? WHERE jti = ? AND revoked_at IS NULL',
        [at, reason, jti],
      );
      return n > 0;
    },

    // Audit and reviews
    async appendAudit(row) {
      const cols = AUDIT_EVENTS.columns;
      const values = row as Record<string, unknown>;
      const rows = await all(
        `INSERT INTO audit_events (${cols.join(', ')}) VALUES (${placeholders(cols.length)}) RETURNING id`,
        cols.map((c) => param(AUDIT_EVENTS, c, values[c])),
      );
      return { id: Number(rows[0].id), ...row, data: row.data ?? null };
    },
    listAudit: (sessionId) =>
      many<AuditEventRow>(AUDIT_EVENTS, 'SELECT * FROM audit_events WHERE session_id = ? ORDER BY id', [sessionId]),
    insertReview: (row: ReviewRow) => insert(REVIEWS, row),
    listReviews: (sessionId) =>
      many<ReviewRow>(REVIEWS, 'SELECT * FROM reviews WHERE session_id = ? ORDER BY created_at, id', [sessionId]),

    // Signing keys
    insertSigningKey: (row: SigningKeyRow) => insert(SIGNING_KEYS, row),
    listSigningKeys: () => many<SigningKeyRow>(SIGNING_KEYS, 'SELECT * FROM signing_keys ORDER BY created_at, kid', []),
    async retireSigningKey(kid, at) {
      // The first retirement wins: moving it later would extend how long the key signs.
      const n = await run('UPDATE signing_keys SET retired_at = COALESCE(retired_at, ?) WHERE kid = ?', [at, kid]);
      if (n === 0) throw new StoreError('not_found', `no signing key with kid ${kid}`);
    },
    async setSigningKeyPrivateJwk(kid, privateJwk) {
      const n = await run('UPDATE signing_keys SET private_jwk = ? WHERE kid = ?', [driver.encode('json', privateJwk), kid]);
      if (n === 0) throw new StoreError('not_found', `no signing key with kid ${kid}`);
    },

    // Webhooks
    insertWebhookEndpoint: (row: WebhookEndpointRow) => insert(WEBHOOK_ENDPOINTS, row),
    listWebhookEndpoints: (tenantId) =>
      many<WebhookEndpointRow>(
        WEBHOOK_ENDPOINTS,
        'SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id',
        [tenantId],
      ),
    listAllWebhookEndpoints: () => many<WebhookEndpointRow>(WEBHOOK_ENDPOINTS, 'SELECT * FROM webhook_endpoints ORDER BY created_at, id', []),
    async setWebhookSecret(id, secret) {
      await run('UPDATE webhook_endpoints SET secret = ? WHERE id = ?', [secret, id]);
    },
    getWebhookEndpoint: (id) =>
      first<WebhookEndpointRow>(WEBHOOK_ENDPOINTS, 'SELECT * FROM webhook_endpoints WHERE id = ?', [id]),
    async deleteWebhookEndpoint(tenantId, id) {
      // Its deliveries and their attempt log go with it (ON DELETE CASCADE).
      return (await run('DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?', [tenantId, id])) > 0;
    },
    async disableWebhookEndpoint(id, reason) {
      await run('UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ? WHERE id = ?', [
        driver.encode('bool', false),
        reason,
        id,
      ]);
    },
    enqueueDelivery: (row: DeliveryRow) => insert(WEBHOOK_DELIVERIES, row),
    async claimDueDeliveries(now, lockUntil, limit) {
      if (limit <= 0) return [];
      // One statement: picking and locking cannot interleave with another claimer.
      const rows = await many<DeliveryRow>(
        WEBHOOK_DELIVERIES,
        `UPDATE webhook_deliveries SET locked_until = ?
         WHERE id IN (
           SELECT id FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
           ORDER BY next_attempt_at, id LIMIT ?${driver.claimLockClause}
         )
         RETURNING *`,
        [lockUntil, now, now, limit],
      );
      // RETURNING has no defined order.
      return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    async updateDelivery(id, patch) {
      const set = setClause(WEBHOOK_DELIVERIES, DELIVERY_PATCH_COLUMNS, patch);
      if (set.sql === '') return;
      await run(`UPDATE webhook_deliveries SET ${set.sql} WHERE id = ?`, [...set.params, id]);
    },
    getDelivery: (id) => first<DeliveryRow>(WEBHOOK_DELIVERIES, 'SELECT * FROM webhook_deliveries WHERE id = ?', [id]),
    listDeliveries: (endpointId) =>
      many<DeliveryRow>(
        WEBHOOK_DELIVERIES,
        'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at, id',
        [endpointId],
      ),
    async recordDeliveryAttempt(row: DeliveryAttemptRow) {
      try {
        await insert(WEBHOOK_DELIVERY_ATTEMPTS, row);
      } catch (err) {
        // The endpoint (and with it the delivery) was deleted mid-attempt: nothing left to log against.
        if (err instanceof StoreError && err.code === 'not_found') return;
        throw err;
      }
    },
    listDeliveryAttempts: (deliveryId) =>
      many<DeliveryAttemptRow>(
        WEBHOOK_DELIVERY_ATTEMPTS,
        'SELECT * FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY attempt, at',
        [deliveryId],
      ),
    ...rateLimitQueries({ all, run }),
    ...probeQueries({ all }, driver.dialect),
    ...identityTemplateQueries({ all, run }),
    pruneDeliveries: (before) =>
      run(`DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed', 'dead') AND updated_at < ?`, [before]),
  };
  return store;
}
