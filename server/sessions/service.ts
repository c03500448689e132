// The session service owns every state change of a verification session. REST, MCP and the
// capture endpoints call it; nothing else writes sessions. Every transition is an audit event.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { actionSha256 } from '../attestation/action-hash.ts';
import type { AttestationInput, SignedAttestation } from '../attestation/sign.ts';
import { AppError } from '../errors.ts';
import { effectivePolicyClaims } from '../policies/claims.ts';
import { resolveSessionPolicy } from '../policies/resolve.ts';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import { createLocalSessionChanges, type SessionChange, type SessionChanges } from './changes.ts';
import { assertNotLockedOut, type LockoutRule } from './lockout.ts';
import { StoreError, TERMINAL_STATUSES, type AuditEventRow, type ReviewRow, type SessionRow, type SessionStatusRow, type SessionStatus as RowStatus, type Store } from '../store/types.ts';
import type {
  AttestationView,
  AuditTrailView,
  CreateSessionInput,
  SessionCreatedView,
  SessionResultView,
  SessionStatus,
  VerdictEvidence,
} from './schemas.ts';

export interface AttestationSigner {
  /** Signs an attestation JWT; returns the token, the key id used and the claims as signed. */
  sign(input: AttestationInput): Promise<SignedAttestation>;
}

export interface WebhookEmitter {
  emit(tenantId: string, eventType: string, data: Record<string, unknown>, options?: { key?: string }): Promise<unknown>;
}

export type { SessionChange, SessionChanges } from './changes.ts';

export interface SessionServiceOptions {
  store: Store;
  signer: AttestationSigner;
  publicUrl: string;
  attestationTtlS: number;
  webhooks?: WebhookEmitter;
  /** Per-user lockout after repeated failures (default 5 in 180 s lock 1800 s). */
  lockout?: LockoutRule;
  now?: () => number;
  /** Where status changes are published and waits subscribe (default: this process only). */
  changes?: SessionChanges;
  /** How often a wait re-reads the session when the feed is shared and best effort (ms). */
  sharedWaitPollMs?: number;
  logger?: { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  /** Why the identity check cannot run here (its model is missing, with the fix), or null. */
  identityUnavailable?: () => string | null;
}

const ACTIVE: readonly RowStatus[] = ['pending', 'in_progress'];

export function isTerminal(status: RowStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Canonical hash of a create body, for Idempotency-Key conflicts. */
function requestHash(input: CreateSessionInput): string {
  const sorted = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]))
      : Array.isArray(value)
        ? value.map(sorted)
        : value;
  return createHash('sha256').update(JSON.stringify(sorted(input))).digest('hex');
}

export type SessionService = ReturnType<typeof createSessionService>;

export function createSessionService(options: SessionServiceOptions) {
  const { store, signer, publicUrl, attestationTtlS, webhooks } = options;
  const now = options.now ?? Date.now;
  const lockout = options.lockout ?? { failures: 5, windowS: 180, durationS: 1800 };
  const changes = options.changes ?? createLocalSessionChanges();
  const sharedWaitPollMs = options.sharedWaitPollMs ?? 5_000;

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
      options.logger?.error({ err, session_id: row.id }, 'webhook enqueue failed');
    }
  }

  /** Moves a session between states with compare-and-set, audits and announces it. */
  async function transition(
    row: SessionRow,
    from: readonly RowStatus[],
    to: RowStatus,
    event: string,
    data: Record<string, unknown> | null,
    extra: Partial<SessionRow> = {},
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

  /** Expiry holds on every read: a stale active session is moved to expired before it is returned. */
  /** An active session past its expiry time: the next read moves it to expired. */
  function dueToExpire(row: Pick<SessionRow, 'status' | 'expires_at'>): boolean {
    return ACTIVE.includes(row.status) && row.expires_at <= now();
  }

  async function applyExpiry(row: SessionRow): Promise<SessionRow> {
    if (!dueToExpire(row)) return row;
    const moved = await transition(row, ACTIVE, 'expired', 'session_expired', { expired_at: iso(row.expires_at) });
    return moved ?? ((await store.getSession(row.id)) as SessionRow);
  }

  async function load(auth: AuthContext | null, id: string): Promise<SessionRow> {
    const row = isUuid(id) ? await store.getSession(id) : null;
    // Another tenant's session is indistinguishable from a missing one.
    if (!row || (auth && row.tenant_id !== auth.tenantId)) {
      throw new AppError('session_not_found', `No session "${id}".`);
    }
    return applyExpiry(row);
  }

  function createdView(row: SessionRow, token: string | null): SessionCreatedView {
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

  function statusView(row: SessionStatusRow): SessionStatus {
    return {
      session_id: row.id,
      status: row.status,
      ...(row.verdict ? { verdict: row.verdict } : {}),
      ...(row.completed_at !== null ? { completed_at: iso(row.completed_at) } : {}),
      ...(row.failure_reasons ? { failure_reasons: row.failure_reasons } : {}),
      expires_at: iso(row.expires_at),
    };
  }

  async function attestationStatusOf(auth: AuthContext, jti: string) {
    const row = isUuid(jti) ? await store.getAttestation(jti) : null;
    if (!row || row.tenant_id !== auth.tenantId) return { jti, status: 'unknown' as const };
    return {
      jti,
      status: row.revoked_at === null ? ('valid' as const) : ('revoked' as const),
      expired: row.expires_at <= now(),
      ...(row.revoked_at !== null ? { revoked_at: iso(row.revoked_at) } : {}),
    };
  }

  async function auditTrail(row: SessionRow): Promise<AuditTrailView> {
    const events = await store.listAudit(row.id);
    return {
      session_id: row.id,
      created_at: iso(row.created_at),
      events: events.map((e) => ({ type: e.type, at: iso(e.at), data: e.data })),
    };
  }

  const service = {
    changes,

    /**
     * Creates a pending session. With an Idempotency-Key the same body returns the same session
     * (its verification URL cannot be shown twice: the capture token is never stored in clear,
     * so a replay gets a fresh token that replaces the first one).
     */
    async createSession(auth: AuthContext, input: CreateSessionInput, idempotencyKey?: string): Promise<SessionCreatedView> {
      requireScopeOf(auth, 'session:write');
      const bodyHash = requestHash(input);
      if (idempotencyKey) {
        const existing = await store.findSessionByIdempotencyKey(auth.tenantId, idempotencyKey);
        if (existing) return replayIdempotent(existing, bodyHash);
      }
      await assertNotLockedOut(store, auth.tenantId, input.user_identifier ?? null, lockout, now());
      const { policy, policyId, policyVersion } = await resolveSessionPolicy(store, auth.tenantId, input);
      if ((policy.identity ?? 'off') !== 'off') {
        if (!input.user_identifier) {
          throw new AppError('user_identifier_required', `The policy's identity mode is "${policy.identity}": send user_identifier, the account whose face template is compared.`);
        }
        const unavailable = options.identityUnavailable?.() ?? null;
        if (unavailable) throw new AppError('identity_unavailable', `The identity check is unavailable: ${unavailable}`);
      }
      const at = now();
      const token = randomBytes(24).toString('base64url'); // 192 bits
      const row: SessionRow = {
        id: randomUUID(),
        tenant_id: auth.tenantId,
        status: 'pending',
        action_description: input.action_description,
        action_details: input.action_details ?? null,
        action_sha256: actionSha256(input.action_description, input.action_details),
        risk_level: policy.risk_level,
        frame_count: policy.frame_count,
        timeout_s: policy.timeout_s,
        max_attempts: policy.max_attempts,
        attempts_used: 0,
        user_identifier: input.user_identifier ?? null,
        audience: input.audience ?? null,
        nonce: input.nonce ?? null,
        policy_id: policyId,
        policy: { ...policy, policy_version: policyVersion } as unknown as Record<string, unknown>,
        metadata: input.metadata ?? null,
        capture_token_hash: hashToken(token),
        idempotency_key: idempotencyKey ?? null,
        request_hash: idempotencyKey ? bodyHash : null,
        verdict: null,
        failure_reasons: null,
        cancel_reason: null,
        created_at: at,
        expires_at: at + policy.timeout_s * 1000,
        opened_at: null,
        completed_at: null,
        updated_at: at,
        webhooks_queued_at: null,
      };
      try {
        await store.insertSession(row);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'conflict' && idempotencyKey) {
          const existing = await store.findSessionByIdempotencyKey(auth.tenantId, idempotencyKey);
          if (existing) return replayIdempotent(existing, bodyHash);
        }
        throw err;
      }
      await audit(row, 'session_created', { risk_level: row.risk_level, frame_count: row.frame_count, api_key: auth.keyId });
      return createdView(row, token);
    },

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

    async getAuditTrail(auth: AuthContext, id: string, note?: string): Promise<AuditTrailView> {
      requireScopeOf(auth, 'session:audit');
      const row = await load(auth, id);
      if (note) await audit(row, 'audit_note', { note, api_key: auth.keyId });
      return auditTrail(row);
    },

    async attestationStatus(auth: AuthContext, jti: string) {
      requireScopeOf(auth, 'session:read');
      return attestationStatusOf(auth, jti);
    },

    async revokeAttestation(auth: AuthContext, jti: string, reason?: string) {
      requireScopeOf(auth, 'session:write');
      const row = isUuid(jti) ? await store.getAttestation(jti) : null;
      if (!row || row.tenant_id !== auth.tenantId) throw new AppError('attestation_not_found', `No attestation "${jti}".`);
      if (row.revoked_at === null) {
        await store.revokeAttestation(jti, now(), reason ?? null);
        const session = await store.getSession(row.session_id);
        if (session) await audit(session, 'attestation_revoked', { reason: reason ?? null, api_key: auth.keyId });
      }
      // The answer to the write itself: a key with session:write alone gets it too.
      return attestationStatusOf(auth, jti);
    },

    /**
     * Manual review: a comment, or a reviewer's decision (approved / declined) on the session.
     * Both are audited; a decision does not rewrite the verdict or the attestation.
     */
    async addReview(
      auth: AuthContext,
      id: string,
      input: { message: string; decision?: 'approved' | 'declined' },
    ): Promise<ReviewRow> {
      requireScopeOf(auth, 'session:audit');
      const row = await load(auth, id);
      const review: ReviewRow = {
        id: randomUUID(),
        session_id: row.id,
        tenant_id: row.tenant_id,
        kind: input.decision ? 'decision' : 'comment',
        message: input.message,
        decision: input.decision ?? null,
        created_at: now(),
      };
      await store.insertReview(review);
      await audit(row, input.decision ? 'review_decision' : 'review_comment', {
        review_id: review.id,
        decision: review.decision,
        message: review.message,
        api_key: auth.keyId,
      });
      return review;
    },

    async listReviews(auth: AuthContext, id: string): Promise<ReviewRow[]> {
      requireScopeOf(auth, 'session:audit');
      const row = await load(auth, id);
      return store.listReviews(row.id);
    },

    /** Session view for a tenant-scoped caller that already checked scopes (MCP resources). */
    async peek(auth: AuthContext, id: string): Promise<SessionRow> {
      return load(auth, id);
    },

    /**
     * Resolves when the session is terminal or `timeoutMs` passes; calls onChange for every
     * status change seen meanwhile. Never throws on timeout: returns the current status.
     */
    async waitForTerminal(
      auth: AuthContext,
      id: string,
      timeoutMs: number,
      onChange?: (status: SessionStatus) => void | Promise<void>,
      signal?: AbortSignal,
    ): Promise<{ status: SessionStatus; timed_out: boolean }> {
      requireScopeOf(auth, 'session:read');
      let row = await load(auth, id);
      if (isTerminal(row.status)) return { status: statusView(row), timed_out: false };
      const deadline = now() + timeoutMs;
      return new Promise((resolve, reject) => {
        let settled = false;
        const finish = async (timedOut: boolean) => {
          if (settled) return;
          settled = true;
          cleanup();
          try {
            row = await load(auth, id);
            resolve({ status: statusView(row), timed_out: timedOut && !isTerminal(row.status) });
          } catch (err) {
            reject(err);
          }
        };
        let seen = row.status;
        const listener = async (change?: SessionChange) => {
          try {
            const current = await load(auth, id);
            // A poll that finds nothing new stays quiet; a published change is always reported.
            if (!change && current.status === seen) return;
            seen = current.status;
            if (settled) return;
            await onChange?.(statusView(current));
            if (isTerminal(current.status) || (change && isTerminal(change.status))) void finish(false);
          } catch {
            /* a failed progress notification must not end the wait */
          }
        };
        const unsubscribe = changes.subscribe(id, (change) => void listener(change));
        // A shared feed is best effort (a notification sent while the listener reconnects is
        // lost): re-read the session now and then so such a wait still ends.
        const poll = changes.shared ? setInterval(() => void listener(), sharedWaitPollMs) : undefined;
        // Expiry has no event of its own: wake at the session's expiry too when it comes first.
        const untilExpiry = row.expires_at - now() + 5;
        const expiryTimer = untilExpiry < timeoutMs ? setTimeout(() => void finish(false), Math.max(0, untilExpiry)) : undefined;
        const timer = setTimeout(() => void finish(true), Math.max(0, deadline - now()));
        const onAbort = () => void finish(true);
        const cleanup = () => {
          clearTimeout(timer);
          clearTimeout(expiryTimer);
          clearInterval(poll);
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        // A change between the first read and the subscription would otherwise go unseen.
        void listener();
      });
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

    /**
     * Issues the verdict: signs the attestation and completes the session. Called by the
     * analysis step; tests call it directly to reach `completed`.
     */
    async completeSession(id: string, evidence: VerdictEvidence): Promise<SessionRow> {
      const row = await load(null, id);
      if (isTerminal(row.status)) throw new AppError('session_terminal', `Session ${row.id} is already ${row.status}.`);
      const at = Math.floor(now() / 1000) * 1000; // JWT times are whole seconds
      const expiresAt = at + attestationTtlS * 1000;
      const attestation: AttestationView = {
        verdict: evidence.verdict,
        confidence: evidence.confidence,
        score: evidence.score,
        risk_level: row.risk_level,
        model_used: evidence.model_used ?? `livegate-fusion/${row.frame_count}`,
        frames_processed: evidence.frames_processed,
        processing_ms: evidence.processing_ms,
        action_description: row.action_description,
        action_sha256: row.action_sha256,
        verified_at: iso(at),
        expires_at: iso(expiresAt),
        user_identifier: row.user_identifier,
        checks: evidence.checks,
        ...effectivePolicyClaims(row, evidence.checks, evidence.light_challenge_ran),
        ...(evidence.identity_claims ?? {}),
      };
      const { token, kid, claims } = await signer.sign({
        iss: publicUrl,
        sub: row.user_identifier ?? row.id,
        aud: row.audience ?? row.tenant_id,
        jti: row.id,
        nonce: row.nonce,
        iat: Math.floor(at / 1000),
        exp: Math.floor(expiresAt / 1000),
        attestation,
      });
      // The attestation row goes first so a reader never sees `completed` without a result.
      await store.insertAttestation({
        jti: row.id,
        tenant_id: row.tenant_id,
        session_id: row.id,
        kid,
        token,
        claims: claims as unknown as Record<string, unknown>,
        issued_at: at,
        expires_at: expiresAt,
        revoked_at: null,
        revoke_reason: null,
      });
      await audit(row, 'verdict_issued', {
        verdict: evidence.verdict,
        score: evidence.score,
        confidence: evidence.confidence,
        processing_ms: evidence.processing_ms,
        kid,
      });
      const moved = await transition(row, ACTIVE, 'completed', 'session_completed', { verdict: evidence.verdict }, {
        verdict: evidence.verdict,
        failure_reasons: evidence.failure_reasons && evidence.failure_reasons.length ? evidence.failure_reasons : null,
      });
      if (!moved) throw new AppError('session_terminal', `Session ${row.id} ended while its verdict was being issued.`);
      return moved;
    },

    /** Ends a session as failed (attempts exhausted, camera unavailable, ...). */
    async failSession(id: string, reasons: string[]): Promise<SessionRow> {
      const row = await load(null, id);
      const moved = await transition(row, ACTIVE, 'failed', 'session_failed', { failure_reasons: reasons }, { failure_reasons: reasons });
      if (!moved) throw new AppError('session_terminal', `Session ${row.id} is already ${row.status}.`);
      return moved;
    },

    // ---- capture side (authenticated by the capture token, not an API key) ----

    /** Loads a session for the capture page, checking the capture token in constant time. */
    async authorizeCapture(id: string, token: string | undefined): Promise<SessionRow> {
      const row = isUuid(id) ? await store.getSession(id) : null;
      if (!row) throw new AppError('session_not_found', 'This verification link does not exist.', { hint: 'Ask for a new verification link.' });
      if (!token || !safeEqualHex(hashToken(token), row.capture_token_hash)) {
        throw new AppError('capture_token_invalid', 'This verification link is incomplete or no longer valid.');
      }
      return applyExpiry(row);
    },

    /** First page load: audits user_opened_url once. */
    async markOpened(row: SessionRow): Promise<SessionRow> {
      if (row.opened_at !== null || !ACTIVE.includes(row.status)) return row;
      const updated = await store.updateSession(row.id, ACTIVE, { opened_at: now(), updated_at: now() });
      if (updated) await audit(updated, 'user_opened_url', null);
      return updated ?? row;
    },

    /**
     * pending -> in_progress on the first capture start; later starts keep in_progress. Takes the
     * next attempt atomically (store.reserveAttempt): the returned row's attempts_used is the new
     * attempt's number. Nothing changes when no attempt is left.
     */
    async beginCapture(row: SessionRow, data: Record<string, unknown>): Promise<SessionRow> {
      const exhausted = () => new AppError('attempts_exhausted', 'No capture attempts are left on this session.');
      if (isTerminal(row.status)) throw terminalError(row);
      if (row.attempts_used >= row.max_attempts) throw exhausted();
      await assertNotLockedOut(store, row.tenant_id, row.user_identifier, lockout, now());
      const moved = await store.reserveAttempt(row.id, now());
      if (!moved) {
        const current = (await store.getSession(row.id)) ?? row;
        throw isTerminal(current.status) ? terminalError(current) : exhausted();
      }
      await audit(moved, 'capture_started', { ...data, attempt_number: moved.attempts_used });
      if (moved.status !== row.status) announce(moved, row.status);
      return moved;
    },

    async recordCaptureEvent(row: SessionRow, type: string, data: Record<string, unknown> | null): Promise<void> {
      await audit(row, type, data);
    },

    auditTrailOf: auditTrail,
    statusView,
  };

  async function replayIdempotent(existing: SessionRow, bodyHash: string): Promise<SessionCreatedView> {
    if (existing.request_hash !== bodyHash) {
      throw new AppError('idempotency_conflict', 'This Idempotency-Key was already used with a different body.');
    }
    // The original token is unrecoverable (stored hashed): rotate it while the session is untouched.
    if (existing.status === 'pending' && existing.opened_at === null) {
      const token = randomBytes(24).toString('base64url');
      const rotated = await store.updateSession(existing.id, ['pending'], { capture_token_hash: hashToken(token), updated_at: now() });
      if (rotated && rotated.opened_at === null) return createdView(rotated, token);
    }
    return createdView(existing, null);
  }

  return service;
}

function terminalError(row: SessionRow): AppError {
  if (row.status === 'expired') return new AppError('session_expired', 'This verification session has expired.');
  return new AppError('session_terminal', `This verification session is already ${row.status}.`, { details: { status: row.status } });
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

function safeEqualHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
