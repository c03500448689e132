// Attestations: issuing the verdict (sign, store, complete the session), their status and
// revocation. The attestation row is written before the session completes, so a reader never sees
// `completed` without a result.
import { AppError } from '../errors.ts';
import { effectivePolicyClaims } from '../policies/claims.ts';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import type { SessionRow } from '../store/types.ts';
import { ACTIVE, isTerminal, isUuid, iso, type Lifecycle } from './lifecycle.ts';
import type { SessionDeps } from './options.ts';
import type { AttestationView, VerdictEvidence } from './schemas.ts';

export function createAttestations(deps: SessionDeps, { load, audit, transition }: Pick<Lifecycle, 'load' | 'audit' | 'transition'>) {
  const { store, signer, publicUrl, attestationTtlS, now } = deps;

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

  return {
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
  };
}
