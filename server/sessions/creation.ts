// Creating a session: scope, lockout and policy resolution, the capture token (stored hashed),
// and Idempotency-Key replays (the same body returns the same session with a fresh token).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { actionSha256 } from '../attestation/action-hash.ts';
import { AppError } from '../errors.ts';
import { resolveSessionPolicy } from '../policies/resolve.ts';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import { StoreError, type SessionRow } from '../store/types.ts';
import type { Lifecycle } from './lifecycle.ts';
import { assertNotLockedOut } from './lockout.ts';
import type { SessionDeps } from './options.ts';
import type { CreateSessionInput, SessionCreatedView } from './schemas.ts';
import { createdView } from './views.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A fresh capture token: 192 bits. */
function newToken(): string {
  return randomBytes(24).toString('base64url');
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

export function createCreation(deps: SessionDeps, { audit }: Pick<Lifecycle, 'audit'>) {
  const { store, now, lockout, publicUrl } = deps;

  async function replayIdempotent(existing: SessionRow, bodyHash: string): Promise<SessionCreatedView> {
    if (existing.request_hash !== bodyHash) {
      throw new AppError('idempotency_conflict', 'This Idempotency-Key was already used with a different body.');
    }
    // The original token is unrecoverable (stored hashed): rotate it while the session is untouched.
    if (existing.status === 'pending' && existing.opened_at === null) {
      const token = newToken();
      const rotated = await store.updateSession(existing.id, ['pending'], { capture_token_hash: hashToken(token), updated_at: now() });
      if (rotated && rotated.opened_at === null) return createdView(publicUrl, rotated, token);
    }
    return createdView(publicUrl, existing, null);
  }

  return {
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
        const unavailable = deps.identityUnavailable?.() ?? null;
        if (unavailable) throw new AppError('identity_unavailable', `The identity check is unavailable: ${unavailable}`);
      }
      const at = now();
      const token = newToken();
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
      return createdView(publicUrl, row, token);
    },
  };
}
