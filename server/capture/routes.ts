// Capture protocol endpoints (docs/PROTOCOL.md), authenticated by the capture token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { ErrorBodySchema } from '../http/schemas.ts';
import { BrandingSchema } from '../policies/branding.ts';
import { pageOutcome, RETRY_HINTS } from './retry-hint.ts';
import { CAPTURE_LIMITS, type CaptureService } from './service.ts';

const Params = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 413: ErrorBodySchema, 429: ErrorBodySchema };

function captureToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Capture\s+([A-Za-z0-9_-]{16,128})$/.exec(header.trim()) : null;
  return match?.[1];
}

const Bootstrap = z.object({
  session_id: z.string(),
  status: z.string(),
  action_description: z.string(),
  action_details: z.unknown().nullable(),
  risk_level: z.enum(['standard', 'high']),
  expires_at: z.string(),
  attempts_used: z.number().int(),
  max_attempts: z.number().int(),
  verdict: z.enum(['live', 'spoof']).nullable(),
  success_redirect_url: z.string().nullable(),
  failure_redirect_url: z.string().nullable(),
  light_challenge: z.boolean(),
  branding: BrandingSchema.nullable(),
  identity: z.object({ mode: z.string(), retention_days: z.number().int() }).optional(),
});

const StartResult = z.object({
  attempt_id: z.string(),
  attempt_number: z.number().int(),
  max_attempts: z.number().int(),
  nonce: z.string(),
  plan: z.record(z.string(), z.unknown()),
  // The colours are never in the start response: the page asks for them just in time (/light).
  light_challenge: z.object({ mode: z.literal('just_in_time'), steps: z.number().int(), reveal_lead_ms: z.number().int() }).nullable(),
});

const LightRevealResult = z.object({
  steps: z.array(z.object({ step: z.number().int(), start_ms: z.number(), duration_ms: z.number(), rgb: z.tuple([z.number(), z.number(), z.number()]) })),
  next_reveal_in_ms: z.number().int().nullable(),
});

const ChunkResult = z.object({ seq: z.number().int(), received_frames: z.number().int(), duplicate: z.boolean() });

const Outcome = z.object({
  status: z.string(),
  verdict: z.enum(['live', 'spoof']).nullable(),
  attempts_left: z.number().int(),
  failure_reasons: z.array(z.string()),
  retry: z.boolean(),
  retry_hint: z.enum(RETRY_HINTS).nullable(),
});

export async function captureRoutes(root: FastifyInstance, { capture }: { capture: CaptureService }): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();

  // Evidence chunks arrive as raw CBOR. The parser admits up to twice the plan's limit so the
  // service can answer the precise `chunk_too_large`; beyond that Fastify answers 413 itself.
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer', bodyLimit: 2 * CAPTURE_LIMITS.maxChunkBytes }, (_request, body, done) => {
    done(null, body);
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });

  app.get('/v1/capture/:id', {
    schema: { tags: ['capture'], summary: 'Page bootstrap: the action and the session state', params: Params, response: { 200: Bootstrap, ...errors } },
    handler: async (request) => capture.bootstrap(request.params.id, captureToken(request)),
  });

  app.post('/v1/capture/:id/start', {
    schema: {
      tags: ['capture'],
      summary: 'Start a capture attempt: nonce, plan and whether a light challenge follows',
      params: Params,
      body: z.object({ device_profile: z.record(z.string(), z.unknown()).default({}) }).passthrough(),
      response: { 200: StartResult, ...errors },
    },
    bodyLimit: CAPTURE_LIMITS.maxProfileBytes,
    handler: async (request) => capture.start(request.params.id, captureToken(request), request.body.device_profile),
  });

  app.post('/v1/capture/:id/chunk', {
    schema: { tags: ['capture'], summary: 'One CBOR evidence chunk (idempotent by attempt and seq)', params: Params, response: { 200: ChunkResult, ...errors } },
    bodyLimit: 2 * CAPTURE_LIMITS.maxChunkBytes,
    handler: async (request) => {
      if (!(request.body instanceof Uint8Array)) {
        throw new AppError('unsupported_media_type', 'Chunks must be sent as application/cbor.');
      }
      return capture.putChunk(request.params.id, captureToken(request), request.body);
    },
  });

  app.post('/v1/capture/:id/light', {
    schema: {
      tags: ['capture'],
      summary: 'The light-challenge steps due by now (revealed just in time, each reveal recorded)',
      params: Params,
      body: z.object({ attempt_id: z.string().uuid() }),
      response: { 200: LightRevealResult, ...errors },
    },
    bodyLimit: 4 * 1024,
    handler: async (request) => capture.revealLight(request.params.id, captureToken(request), request.body.attempt_id),
  });

  app.post('/v1/capture/:id/finish', {
    schema: {
      tags: ['capture'],
      summary: 'Finish the attempt; the server analyses and answers with the status only',
      params: Params,
      body: z.object({
        attempt_id: z.string().uuid(),
        chunk_count: z.number().int().min(1).max(10_000),
        client_summary: z.record(z.string(), z.unknown()).optional(),
      }),
      response: { 200: Outcome, ...errors },
    },
    bodyLimit: 64 * 1024,
    handler: async (request) => pageOutcome(await capture.finish(request.params.id, captureToken(request), request.body)),
  });
}
