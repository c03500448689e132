// The Store's queries, written once in the SQL both SQLite and PostgreSQL accept (`?` placeholders,
// ON CONFLICT, RETURNING, partial indexes). A driver per dialect runs them and converts values
// (sql-driver.ts). Attempts and evidence (evidence-queries.ts), webhooks (webhook-queries.ts),
// rate limits, identity templates and the operations probe have their own modules.

import { API_KEYS, ATTESTATIONS, AUDIT_EVENTS, POLICIES, REVIEWS, SESSIONS, SIGNING_KEYS, TENANT_POLICY_FLOORS, TENANTS } from './tables.ts';
import { createSqlKit, ENDED_STATUSES, placeholders, type SqlDriver } from './sql-driver.ts';
import { evidenceQueries } from './evidence-queries.ts';
import { identityTemplateQueries } from './identity-templates.ts';
import { probeQueries } from './probe.ts';
import { rateLimitQueries } from './rate-limits.ts';
import { webhookQueries } from './webhook-queries.ts';
import type {
  ApiKeyRow, AttestationRow, AuditEventRow, PolicyRow, ReviewRow, SessionPatch, SessionRow, SessionStatus, SessionStatusRow,
  SigningKeyRow, Store, TenantPolicyFloorRow, TenantRow,
} from './types.ts';
import { SESSION_PATCH_COLUMNS, StoreError } from './types.ts';

const LIVE_STATUSES = `('pending', 'in_progress')`;

export function createSqlStore(driver: SqlDriver): Store {
  const kit = createSqlKit(driver);
  const { all, run, param, first, many, insert, setClause } = kit;

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

    ...evidenceQueries(kit),

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

    ...webhookQueries(kit),
    ...rateLimitQueries(kit),
    ...probeQueries(kit, driver.dialect),
    ...identityTemplateQueries(kit),
  };
  return store;
}
