// What callers see of a session: the created view (with the verification URL), the status, the
// result with its attestation, and the audit trail. Reads only (expiry applies on every read).
import { AppError } from '../errors.ts';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import type { SessionRow, SessionStatusRow } from '../store/types.ts';
import { isUuid, iso, type Lifecycle } from './lifecycle.ts';
import type { SessionDeps } from './options.ts';
import type { AttestationView, AuditTrailView, SessionCreatedView, SessionResultView, SessionStatus } from './schemas.ts';

export function statusView(row: SessionStatusRow): SessionStatus {
  return {
    session_id: row.id,
    status: row.status,
    ...(row.verdict ? { verdict: row.verdict } : {}),
    ...(row.completed_at !== null ? { completed_at: iso(row.completed_at) } : {}),
    ...(row.failure_reasons ? { failure_reasons: row.failure_reasons } : {}),
    expires_at: iso(row.expires_at),
  };
}

/** The answer to a create: the verification URL carries the capture token in its fragment. */
export function createdView(publicUrl: string, row: SessionRow, token: string | null): SessionCreatedView {
  return {
    session_id: row.id,
    verification_url: token ? `${publicUrl}/s/${row.id}#${token}` : `${publicUrl}/s/${row.id}`,
    status: 'pending',
    expires_at: iso(row.expires_at),
    action_description: row.action_description,
    action_sha256: row.action_sha256,
    risk_level: row.risk_level,
    model: String(row.frame_count),
    model_version: 'latest',
    frame_count: row.frame_count,
  };
}

export function createViews(deps: SessionDeps, lifecycle: Lifecycle) {
  const { store } = deps;
  const { load, audit, dueToExpire } = lifecycle;

  async function auditTrail(row: SessionRow): Promise<AuditTrailView> {
    const events = await store.listAudit(row.id);
    return {
      session_id: row.id,
      created_at: iso(row.created_at),
      events: events.map((e) => ({ type: e.type, at: iso(e.at), data: e.data })),
    };
  }

  return {
    async getStatus(auth: AuthContext, id: string): Promise<SessionStatus> {
      requireScopeOf(auth, 'session:read');
      // Polling clients hit this most: read the status columns only, and the whole row just when
      // the session is due to expire on this read.
      const row = isUuid(id) ? await store.getSessionStatus(id) : null;
      if (row && row.tenant_id === auth.tenantId && !dueToExpire(row)) return statusView(row);
      return statusView(await load(auth, id));
    },

    async getResult(auth: AuthContext, id: string): Promise<SessionResultView> {
      requireScopeOf(auth, 'session:read');
      const row = await load(auth, id);
      const attestation = row.status === 'completed' ? await store.getAttestation(row.id) : null;
      if (!attestation) {
        throw new AppError('session_not_completed', `Session ${row.id} is ${row.status}; a result exists only once it is completed.`, {
          details: { status: row.status },
        });
      }
      return {
        session_id: row.id,
        attestation: attestation.claims.attestation as AttestationView,
        signature: attestation.token,
        audit_trail: await auditTrail(row),
      };
    },

    async getAuditTrail(auth: AuthContext, id: string, note?: string): Promise<AuditTrailView> {
      requireScopeOf(auth, 'session:audit');
      const row = await load(auth, id);
      if (note) await audit(row, 'audit_note', { note, api_key: auth.keyId });
      return auditTrail(row);
    },

    /** Session view for a tenant-scoped caller that already checked scopes (MCP resources). */
    async peek(auth: AuthContext, id: string): Promise<SessionRow> {
      return load(auth, id);
    },

    auditTrailOf: auditTrail,
    statusView,
  };
}
