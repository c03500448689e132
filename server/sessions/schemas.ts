// Session shapes shared by the REST API and the MCP tools.
import { z } from 'zod';
import { CHECKS, FRAME_COUNTS, PolicyOverridesSchema } from '../policies/defaults.ts';
import { RiskLevelSchema, SessionStatusSchema, VerdictSchema, type Verdict } from '../../workers/protocol/index.ts';

const frameCount = z
  .number()
  .int()
  .refine((n) => (FRAME_COUNTS as readonly number[]).includes(n), { message: `frame_count must be one of ${FRAME_COUNTS.join(', ')}` });

export const CreateSessionBody = z
  .object({
    action_description: z.string().min(1).max(2000).describe('What the person approves, shown verbatim on the page'),
    action_details: z.record(z.string(), z.unknown()).optional().describe('Structured details of the action, bound into action_sha256'),
    risk_level: RiskLevelSchema.optional().describe('standard (default) or high (adds the light challenge)'),
    frame_count: frameCount.optional().describe('CNN frames: 10, 30, 60, 90 or 120 (default 10 standard, 30 high)'),
    timeout: z.number().int().min(30).max(600).optional().describe('Seconds until the session expires (default 300)'),
    user_identifier: z.string().min(1).max(256).optional().describe('Your id for the person; the attestation subject and the lockout key'),
    audience: z.string().min(1).max(256).optional().describe('Relying party the attestation is for (aud claim; default the tenant id)'),
    nonce: z.string().min(1).max(256).optional().describe('Relying-party nonce echoed in the attestation'),
    policy: z
      .union([z.string().min(1).max(128), PolicyOverridesSchema])
      .optional()
      .describe("A stored policy id, or inline policy overrides; either may only be stricter than the risk level's defaults and the tenant's floor (else 400 policy_below_floor)"),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Free-form data kept with the session'),
  })
  .strict();
export type CreateSessionInput = z.infer<typeof CreateSessionBody>;

export const SessionStatusEnum = SessionStatusSchema;

export const SessionCreated = z.object({
  session_id: z.string().uuid(),
  verification_url: z.string().url(),
  status: z.literal('pending'),
  expires_at: z.string(),
  action_description: z.string(),
  action_sha256: z.string(),
  risk_level: RiskLevelSchema,
  model: z.string(),
  model_version: z.literal('latest'),
  frame_count: z.number().int(),
});
export type SessionCreatedView = z.infer<typeof SessionCreated>;

export const SessionStatusView = z.object({
  session_id: z.string(),
  status: SessionStatusEnum,
  verdict: VerdictSchema.optional(),
  completed_at: z.string().optional(),
  failure_reasons: z.array(z.string()).optional(),
  expires_at: z.string(),
});
export type SessionStatus = z.infer<typeof SessionStatusView>;

export const AuditEvent = z.object({
  type: z.string(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

export const AuditTrail = z.object({
  session_id: z.string(),
  created_at: z.string(),
  events: z.array(AuditEvent),
});
export type AuditTrailView = z.infer<typeof AuditTrail>;

export const Attestation = z.object({
  verdict: VerdictSchema,
  confidence: z.number(),
  score: z.number(),
  risk_level: RiskLevelSchema,
  model_used: z.string(),
  frames_processed: z.number().int(),
  processing_ms: z.number(),
  action_description: z.string(),
  action_sha256: z.string(),
  verified_at: z.string(),
  expires_at: z.string(),
  user_identifier: z.string().nullable(),
  checks: z.record(z.string(), z.unknown()),
  // The effective policy: what was required, so a relying party can demand minimums. Optional only
  // because attestations signed before these fields existed lack them; every new one has all six.
  required_checks: z.array(z.enum(CHECKS)).describe('Checks the effective policy required for a live verdict').optional(),
  thresholds_sha256: z.string().describe('SHA-256 (hex) of the RFC 8785 canonical JSON of the effective thresholds').optional(),
  policy_id: z.string().nullable().describe('Stored policy the session used (null: risk-level defaults with inline overrides)').optional(),
  policy_version: z.number().int().nullable().describe('Version of that stored policy when the session was created').optional(),
  capture_duration_ms: z.number().int().describe('Length of the capture the policy asked for').optional(),
  light_challenge: z.boolean().describe('Whether the screen-light challenge ran in the analysed capture').optional(),
  // Present only when the policy's identity mode is on (server/identity); never a template.
  facemesh_comparison: z
    .object({ match_found: z.boolean(), similarity_score: z.number().nullable(), comparison_count: z.number().int() })
    .describe("Comparison with the user's enrolled face templates")
    .optional(),
  identity: z.object({ status: z.enum(['enrolled', 'matched', 'mismatch', 'inconclusive']), model: z.string() }).optional(),
});
export type AttestationView = z.infer<typeof Attestation>;

export const SessionResult = z.object({
  session_id: z.string(),
  attestation: Attestation,
  signature: z.string(),
  audit_trail: AuditTrail,
});
export type SessionResultView = z.infer<typeof SessionResult>;

export const CancelBody = z.object({ reason: z.string().max(500).optional() }).strict();
export const CancelResult = z.object({ session_id: z.string(), status: z.literal('cancelled'), reason: z.string().nullable() });

export const AttestationStatus = z.object({
  jti: z.string(),
  status: z.enum(['valid', 'revoked', 'unknown']).describe('valid: issued and not revoked; revoked; unknown: never issued here'),
  expired: z.boolean().optional().describe('true once the token is past its exp claim'),
  revoked_at: z.string().optional(),
});
export const RevokeAttestationBody = z.object({ reason: z.string().max(500).optional() }).strict();

/** What the analysis (or a test) hands to completeSession. */
export interface VerdictEvidence {
  verdict: Verdict;
  score: number;
  confidence: number;
  /**
   * The analysis' per-check report (server/analysis/checks.ts `Checks`, what the fusion returns),
   * signed as is; the attestation's wire schema keeps it an open object.
   */
  checks: Record<string, unknown>;
  frames_processed: number;
  processing_ms: number;
  model_used?: string;
  failure_reasons?: string[];
  /** Whether the light challenge ran (default: the checks carry a light_challenge result). */
  light_challenge_ran?: boolean;
  /** identity and facemesh_comparison, when the policy's identity mode is on. */
  identity_claims?: { identity: NonNullable<AttestationView['identity']>; facemesh_comparison: NonNullable<AttestationView['facemesh_comparison']> };
}
