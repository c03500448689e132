// Session lifecycle: the compare-and-set state transitions, expiry (on every read and by the
// sweeper), cancel and fail, and the terminal webhooks. Every transition is audited and announced
// on the change feed (changes.ts); nothing else moves a session between states.
import { AppError } from '../errors.ts';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import { TERMINAL_STATUSES, type AuditEventRow, type SessionPatch, type SessionRow, type SessionStatus as RowStatus } from '../store/types.ts';
import type { SessionChange } from './changes.ts';
import type { SessionDeps } from './options.ts';

export const ACTIVE: readonly RowStatus[] = ['pending', 'in_progress'];

export function isTerminal(status: RowStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function terminalError(row: SessionRow): AppError {
  if (row.status === 'expired') return new AppError('session_expired', 'This verification session has expired.');
  return new AppError('session_terminal', `This verification session is already ${row.status}.`, { details: { status: row.status } });
}

export type Lifecycle = ReturnType<typeof createLifecycle>;

export function createLifecycle(deps: SessionDeps) {
  const { store, webhooks, now, changes } = deps;

  async function audit(row: SessionRow, type: string, data: Record<string, unknown> | null = null): Promise<AuditEventRow> {
    return store.appendAudit({ session_id: row.id, tenant_id: row.tenant_id, type, at: now(), data });
  }

  function announce(row: SessionRow, previous: RowStatus): void {
    const change: SessionChange = { session_id: row.id, tenant_id: row.tenant_id, status: row.status, previous };
    changes.publish(change);
  }

  async function notifyTerminal(row: SessionRow): Promise<void> {
    if (!webhooks) return;
    const data: Record<string, unknown> = { session_id: row.id, status: row.status, verdict: row.verdict ?? undefined };
    if (row.failure_reasons) data.failure_reasons = row.failure_reasons;
    if (row.cancel_reason) data.reason = row.cancel_reason;
    if (row.user_identifier) data.user_identifier = row.user_identifier;
    try {
      // Keyed by session: a sweep that re-queues after a crash cannot queue the event twice.
      await webhooks.emit(row.tenant_id, `session.${row.status}`, data, { key: row.id });
      await store.updateSession(row.id, [row.status], { webhooks_queued_at: now() });
    } catch (err) {
      // Left unmarked: queueMissedWebhooks picks the session up on a later sweep.
      deps.logger?.error({ err, session_id: row.id }, 'webhook enqueue failed');
    }
  }

  /** Moves a session between states with compare-and-set, audits and announces it. */
  async function transition(
    row: SessionRow,
    from: readonly RowStatus[],
    to: RowStatus,
    event: string,
    data: Record<string, unknown> | null,
    extra: SessionPatch = {},
  ): Promise<SessionRow | null> {
    const at = now();
    const terminal = isTerminal(to);
    const updated = await store.updateSession(row.id, from, {
      status: to,
      updated_at: at,
      ...(terminal ? { completed_at: at } : {}),
      ...extra,
    });
    if (!updated) return null;
    await audit(updated, event, data);
    if (updated.status !== row.status) announce(updated, row.status);
    if (terminal) await notifyTerminal(updated);
    return updated;
  }

  /** An active session past its expiry time: the next read moves it to expired. */
  function dueToExpire(row: Pick<SessionRow, 'status' | 'expires_at'>): boolean {
    return ACTIVE.includes(row.status) && row.expires_at <= now();
  }

  /** Expiry holds on every read: a stale active session is moved to expired before it is returned. */
  async function applyExpiry(row: SessionRow): Promise<SessionRow> {
    if (!dueToExpire(row)) return row;
    const moved = await transition(row, ACTIVE, 'expired', 'session_expired', { expired_at: iso(row.expires_at) });
    return moved ?? ((await store.getSession(row.id)) as SessionRow);
  }

  /** The session, for its tenant (null: the internal callers), with expiry applied. */
  async function load(auth: AuthContext | null, id: string): Promise<SessionRow> {
    const row = isUuid(id) ? await store.getSession(id) : null;
    // Another tenant's session is indistinguishable from a missing one.
    if (!row || (auth && row.tenant_id !== auth.tenantId)) {
      throw new AppError('session_not_found', `No session "${id}".`);
    }
    return applyExpiry(row);
  }

  return {
    audit,
    announce,
    transition,
    dueToExpire,
    applyExpiry,
    load,

    async cancel(auth: AuthContext, id: string, reason?: string): Promise<{ session_id: string; status: 'cancelled'; reason: string | null }> {
      requireScopeOf(auth, 'session:write');
      const row = await load(auth, id);
      const moved = await transition(row, ACTIVE, 'cancelled', 'session_cancelled', { reason: reason ?? null, api_key: auth.keyId }, {
        cancel_reason: reason ?? null,
      });
      if (!moved) {
        const current = (await store.getSession(row.id)) as SessionRow;
        throw new AppError('session_terminal', `Session ${row.id} is already ${current.status}.`, { details: { status: current.status } });
      }
      return { session_id: moved.id, status: 'cancelled', reason: moved.cancel_reason };
    },

    /** Ends a session as failed (attempts exhausted, camera unavailable, ...). */
    async failSession(id: string, reasons: string[]): Promise<SessionRow> {
      const row = await load(null, id);
      const moved = await transition(row, ACTIVE, 'failed', 'session_failed', { failure_reasons: reasons }, { failure_reasons: reasons });
      if (!moved) throw new AppError('session_terminal', `Session ${row.id} is already ${row.status}.`);
      return moved;
    },

    /**
     * Queues the webhooks of sessions that reached a terminal state but never got them queued
     * (a crash or a store error between the state change and the enqueue). Sessions younger
     * than `graceMs` are left to the request still handling them. Returns how many were queued.
     */
    async queueMissedWebhooks(graceMs = 30_000, limit = 100): Promise<number> {
      if (!webhooks) return 0;
      const rows = await store.listUnqueuedTerminalSessions(now() - graceMs, limit);
      for (const row of rows) await notifyTerminal(row);
      return rows.length;
    },

    /** Moves every stale active session to expired. Returns how many moved. */
    async sweepExpired(limit = 500): Promise<number> {
      const stale = await store.listExpiredSessions(now(), limit);
      let moved = 0;
      for (const row of stale) {
        const updated = await transition(row, ACTIVE, 'expired', 'session_expired', { expired_at: iso(row.expires_at), by: 'sweeper' });
        if (updated) moved++;
      }
      return moved;
    },
  };
}
