// The identity step of the analysis (server/analysis/analyzer.ts): after the liveness fusion,
// compares or enrols, and turns the decision into the outcome the analyzer acts on: a retry for
// an inconclusive comparison another attempt may fix, a spoof in `match` mode, or the verdict as
// it was with the identity claims added.
import type { Outcome } from '../analysis/fusion.ts';
import type { PolicyConfig } from '../policies/defaults.ts';
import type { SessionRow } from '../store/types.ts';
import { decideIdentity, type IdentityClaims } from './decision.ts';
import { IDENTITY_MODEL } from './embed.ts';
import type { IdentityEvidence } from './evidence.ts';
import type { TemplateService } from './templates.ts';

export interface IdentityStepResult {
  outcome: Outcome;
  claims: IdentityClaims | null;
  /** For the audit trail: status, comparison count, frames used, rejected crops by reason. */
  audit: Record<string, unknown> | null;
}

export async function identityStep(
  templates: TemplateService | undefined,
  session: SessionRow,
  policy: PolicyConfig,
  outcome: Outcome,
  evidence: IdentityEvidence | undefined,
): Promise<IdentityStepResult> {
  const mode = policy.identity ?? 'off';
  if (mode === 'off' || outcome.kind !== 'verdict' || !session.user_identifier) return { outcome, claims: null, audit: null };
  const unavailable = { available: false, embeddings: [], considered: 0, rejected: {}, ms_per_embedding: null, reason: 'identity_service_missing' };
  const decision = await decideIdentity({
    mode,
    verdict: outcome.verdict,
    evidence: templates ? evidence : unavailable,
    tenantId: session.tenant_id,
    userIdentifier: session.user_identifier,
    sessionId: session.id,
    model: IDENTITY_MODEL,
    templates: templates ?? { compare: async () => ({ count: 0, similarity: null }), enrol: async () => {}, forget: async () => 0, sweep: async () => 0, reseal: async () => 0 },
  });
  const claims: IdentityClaims = { identity: decision.identity, facemesh_comparison: decision.facemesh_comparison };
  const audit = {
    status: decision.identity.status,
    comparison_count: decision.facemesh_comparison.comparison_count,
    frames_used: evidence?.embeddings.length ?? 0,
    rejected: evidence?.rejected ?? {},
    ...(decision.reason ? { reason: decision.reason } : {}),
  };
  const attemptsLeft = session.max_attempts - session.attempts_used;
  if (decision.retry && outcome.verdict === 'live' && attemptsLeft > 0) {
    return { outcome: { kind: 'quality_failed', reasons: [decision.reason ?? 'identity:inconclusive'], checks: outcome.checks }, claims, audit };
  }
  if (decision.spoofReason && outcome.verdict === 'live') {
    return { outcome: { ...outcome, verdict: 'spoof', reasons: [...outcome.reasons, decision.spoofReason] }, claims, audit };
  }
  if (decision.spoofReason) return { outcome: { ...outcome, reasons: [...outcome.reasons, decision.spoofReason] }, claims, audit };
  return { outcome, claims, audit };
}
