// Bodies and answers of the capture endpoints (docs/PROTOCOL.md). Answer schemas list keys in
// the order the server writes them: the response serializer emits keys in schema order.
import { z } from 'zod';
import { BrandingSchema } from './branding.ts';
import { CapturePlanSchema } from './capture-plan.ts';
import { ClientSummarySchema } from './client-summary.ts';
import { DeviceProfileInputSchema } from './device-profile.ts';
import { CAPTURE_LIMITS } from './limits.ts';
import { LightChallengeAnnouncementSchema } from './light.ts';
import { RetryHintSchema, RiskLevelSchema, SessionStatusSchema, VerdictSchema } from './session.ts';

/** Path parameter of every capture endpoint. */
export const CaptureParamsSchema = z.object({ id: z.string().min(1).max(64) });

/** Answer of `GET /v1/capture/{id}`: the page bootstrap. */
export const BootstrapSchema = z.object({
  session_id: z.string(),
  status: SessionStatusSchema,
  action_description: z.string(),
  action_details: z.unknown().nullable(),
  risk_level: RiskLevelSchema,
  expires_at: z.string(),
  attempts_used: z.number().int(),
  max_attempts: z.number().int(),
  verdict: VerdictSchema.nullable(),
  success_redirect_url: z.string().nullable(),
  failure_redirect_url: z.string().nullable(),
  light_challenge: z.boolean(),
  branding: BrandingSchema.nullable(),
  /** Present when the policy compares faces: shown before the camera starts. */
  identity: z.object({ mode: z.string(), retention_days: z.number().int() }).optional(),
});
export type Bootstrap = z.infer<typeof BootstrapSchema>;

/** Body of `POST /v1/capture/{id}/start`. */
export const StartBodySchema = z.looseObject({ device_profile: DeviceProfileInputSchema.default({}) });
export type StartBody = z.input<typeof StartBodySchema>;

/** Answer of `POST /v1/capture/{id}/start`. */
export const StartAnswerSchema = z.object({
  attempt_id: z.string(),
  attempt_number: z.number().int(),
  max_attempts: z.number().int(),
  nonce: z.string(),
  plan: CapturePlanSchema,
  // The colours are never in the start response: the page asks for them just in time (/light).
  light_challenge: LightChallengeAnnouncementSchema.nullable(),
});
export type StartAnswer = z.infer<typeof StartAnswerSchema>;

/** Answer of `POST /v1/capture/{id}/chunk` (the body is one CBOR CaptureChunk, workers/codec). */
export const ChunkAnswerSchema = z.object({ seq: z.number().int(), received_frames: z.number().int(), duplicate: z.boolean() });
export type ChunkAnswer = z.infer<typeof ChunkAnswerSchema>;

/** Body of `POST /v1/capture/{id}/finish`. */
export const FinishBodySchema = z.object({
  attempt_id: z.string().uuid(),
  chunk_count: z.number().int().min(1).max(CAPTURE_LIMITS.maxChunkCount),
  client_summary: ClientSummarySchema.optional(),
});
export type FinishBody = z.input<typeof FinishBodySchema>;

/** Answer of `POST /v1/capture/{id}/finish`: the status only, never scores. */
export const FinishAnswerSchema = z.object({
  status: SessionStatusSchema,
  verdict: VerdictSchema.nullable(),
  attempts_left: z.number().int(),
  failure_reasons: z.array(z.string()),
  retry: z.boolean(),
  retry_hint: RetryHintSchema.nullable(),
});
export type FinishAnswer = z.infer<typeof FinishAnswerSchema>;
