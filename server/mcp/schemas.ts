// Input and output schemas of the MCP tools. Session shapes come from the REST API's schemas so
// both surfaces describe the same objects.
import { z } from 'zod';
import { ForgetUserResult, UserIdentifierParam } from '../identity/forget.ts';
import { CheckInfoSchema } from '../policies/checks.ts';
import { PolicyOverridesSchema, ThresholdsSchema } from '../policies/defaults.ts';
import { PolicyNameSchema, PolicyView } from '../policies/service.ts';
import { HealthSchema, MAX_WAIT_S, ReviewView, WaitView, WhoamiView } from '../application/views.ts';
import { CancelResult, CreateSessionBody, SessionCreated, SessionResult, SessionStatusEnum, SessionStatusView } from '../sessions/schemas.ts';
import { VerifyAttestationInput, VerifyAttestationOutput } from './attestation-tool.ts';

export const DEFAULT_WAIT_S = 50;

const thresholdOverrides = ThresholdsSchema.partial().optional().describe('Decision thresholds to set; the rest keep their calibrated defaults');
const sessionId = z.string().min(1).max(64).describe('The session_id returned by verify_human_presence');

export const GREETINGS = {
  en: (name: string) => `Hello, ${name}!`,
  es: (name: string) => `Hola, ${name}!`,
  fr: (name: string) => `Bonjour, ${name} !`,
  de: (name: string) => `Hallo, ${name}!`,
  pt: (name: string) => `Olá, ${name}!`,
} as const;

/**
 * A policy's fields as the MCP policy tools take them: all but `capture_extension_ms` (the page's
 * adaptive capture length, a tuning knob left to REST: tools/list stays under its size budget).
 */
const McpPolicyOverrides = PolicyOverridesSchema.omit({ capture_extension_ms: true });

export const input = {
  health: z.object({}).strict(),
  greet: z
    .object({
      name: z.string().min(1).max(200).describe('Who to greet'),
      language: z.enum(['en', 'es', 'fr', 'de', 'pt']).optional().describe('Language of the greeting (default en)'),
    })
    .strict(),
  verify: CreateSessionBody,
  sessionOnly: z.object({ session_id: sessionId }).strict(),
  revoke: z
    .object({ session_id: sessionId, reason: z.string().max(500).optional().describe('Why the session is cancelled (kept in the audit trail)') })
    .strict(),
  wait: z
    .object({
      session_id: sessionId,
      timeout_s: z
        .number()
        .int()
        .min(1)
        .max(MAX_WAIT_S)
        .optional()
        .describe(`Seconds to wait at most (default ${DEFAULT_WAIT_S}, max ${MAX_WAIT_S}: under the usual 60 s client request timeout); call again to keep waiting`),
    })
    .strict(),
  verifyAttestation: VerifyAttestationInput,
  none: z.object({}).strict(),
  getPolicy: z.object({ policy_id: z.string().min(1).max(128).describe('Policy id (pol_...), from list_policies') }).strict(),
  createPolicy: McpPolicyOverrides.extend({ name: PolicyNameSchema, thresholds: thresholdOverrides }).strict(),
  updatePolicy: McpPolicyOverrides.extend({
    thresholds: thresholdOverrides,
    policy_id: z.string().min(1).max(128).describe('Policy id (pol_...), from list_policies'),
    name: PolicyNameSchema.optional(),
  }).strict(),
  decide: z
    .object({
      session_id: sessionId,
      status: z.enum(['approved', 'declined']).describe("The reviewer's decision"),
      note: z.string().min(1).max(2000).describe('Why; kept in the audit trail'),
    })
    .strict(),
  comment: z.object({ session_id: sessionId, message: z.string().min(1).max(2000).describe('The review comment') }).strict(),
  forgetUser: z.object({ user_identifier: UserIdentifierParam }).strict(),
};

export const output = {
  health: HealthSchema.extend({ warnings: z.array(z.string()).optional().describe('Problems to fix, e.g. a missing model') }),
  greet: z.object({ greeting: z.string(), language: z.enum(['en', 'es', 'fr', 'de', 'pt']) }),
  verify: SessionCreated.extend({
    status: SessionStatusEnum.describe('pending when created; the final status in a task result'),
    instructions: z.string().describe('What the agent should do next'),
    url_elicitation: z
      .enum(['accept', 'decline', 'cancel', 'unanswered'])
      .optional()
      .describe("The person's answer to the URL-mode elicitation (unanswered: none within a few seconds)"),
    final_status: SessionStatusView.optional().describe('Set when run as a task: the status the session ended in'),
  }),
  status: SessionStatusView,
  result: SessionResult,
  revoke: CancelResult,
  wait: WaitView,
  verifyAttestation: VerifyAttestationOutput,
  policies: z.object({ policies: z.array(PolicyView) }),
  policy: PolicyView,
  createdPolicy: PolicyView.extend({
    elicitation: z.enum(['not_needed', 'unsupported', 'kept_defaults', 'answered']).describe('How the fields left out were settled'),
  }),
  checks: z.object({ checks: z.array(CheckInfoSchema) }),
  whoami: WhoamiView,
  review: ReviewView,
  reviews: z.object({ reviews: z.array(ReviewView) }),
  forgetUser: ForgetUserResult,
};
