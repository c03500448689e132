// The identity decision of one analysed capture: enrol, match, mismatch or inconclusive, from the
// policy's identity mode, the liveness verdict and the capture's embeddings. Enrolment only ever
// follows a `live` verdict, and never adds a template to a user whose templates the face does not
// match (that would let anyone enrol their face into someone else's account).
import type { Verdict } from '../../workers/protocol/index.ts';
import type { IdentityMode } from '../policies/defaults.ts';
import type { IdentityEvidence } from './evidence.ts';
import { MIN_IDENTITY_FRAMES } from './evidence.ts';
import type { TemplateService } from './templates.ts';

/**
 * Cosine similarity of the capture's mean embedding to the best template: at or above `match` the
 * same person, under `inconclusive_below` a different one, between a grey zone that asks for
 * another attempt. `match` is the leave-one-subject-out fit on the shared face sets (0.548, every
 * genuine pair >= 0.81); the grey zone keeps the face swap of another identity onto a recording
 * of the enrolled person (0.41-0.44 there) out of `inconclusive` (docs/EVALUATION.md, "Identity").
 */
export const IDENTITY_THRESHOLDS = { match: 0.55, inconclusive_below: 0.45 } as const;

export type IdentityStatus = 'enrolled' | 'matched' | 'mismatch' | 'inconclusive';

/** Exactly the names carried in results and attestations. */
export interface FacemeshComparison {
  match_found: boolean;
  similarity_score: number | null;
  comparison_count: number;
}

export interface IdentityClaims {
  identity: { status: IdentityStatus; model: string };
  facemesh_comparison: FacemeshComparison;
}

export interface IdentityDecision extends IdentityClaims {
  /** Set when the verdict must become spoof (match mode). */
  spoofReason: string | null;
  /** Inconclusive in a way another attempt may fix (too few good frames, the grey zone). */
  retry: boolean;
  /** Why the status is inconclusive (for failure_reasons and the audit trail). */
  reason: string | null;
}

export interface DecideInput {
  mode: Exclude<IdentityMode, 'off'>;
  verdict: Verdict;
  evidence: IdentityEvidence | undefined;
  tenantId: string;
  userIdentifier: string;
  sessionId: string;
  model: string;
  templates: TemplateService;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export async function decideIdentity(input: DecideInput): Promise<IdentityDecision> {
  const { mode, verdict, evidence, templates } = input;
  const embeddings = evidence?.embeddings ?? [];
  const cmp = await templates.compare(input.tenantId, input.userIdentifier, input.model, embeddings);
  const comparison: FacemeshComparison = {
    match_found: cmp.similarity !== null && cmp.similarity >= IDENTITY_THRESHOLDS.match,
    similarity_score: cmp.similarity === null ? null : round(cmp.similarity),
    comparison_count: cmp.count,
  };
  const out = (status: IdentityStatus, extra: Partial<IdentityDecision> = {}): IdentityDecision => ({
    identity: { status, model: input.model },
    facemesh_comparison: comparison,
    spoofReason: null,
    retry: false,
    reason: null,
    ...extra,
  });
  const enrol = () => templates.enrol({ tenantId: input.tenantId, userIdentifier: input.userIdentifier, sessionId: input.sessionId, model: input.model, embeddings });

  if (!evidence?.available) return out('inconclusive', { reason: 'identity:unavailable', spoofReason: mode === 'match' ? 'identity:unavailable' : null });
  if (embeddings.length < MIN_IDENTITY_FRAMES) {
    return out('inconclusive', { reason: 'identity:too_few_frames', retry: true, spoofReason: mode === 'match' ? 'identity:inconclusive' : null });
  }
  if (cmp.count === 0 || cmp.similarity === null) {
    if (mode === 'match') return out('inconclusive', { reason: 'identity:not_enrolled', spoofReason: 'identity:not_enrolled' });
    if (verdict !== 'live') return out('inconclusive', { reason: 'identity:not_live' });
    await enrol();
    return out('enrolled');
  }
  if (comparison.match_found) {
    // enroll mode refreshes the user's templates with a matching live capture.
    if (mode === 'enroll' && verdict === 'live') await enrol();
    return out('matched');
  }
  if (cmp.similarity < IDENTITY_THRESHOLDS.inconclusive_below) {
    return out('mismatch', { reason: 'identity:mismatch', spoofReason: mode === 'match' ? 'identity:mismatch' : null });
  }
  return out('inconclusive', { reason: 'identity:grey_zone', retry: true, spoofReason: mode === 'match' ? 'identity:inconclusive' : null });
}
