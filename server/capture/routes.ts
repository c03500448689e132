// Capture protocol endpoints (docs/PROTOCOL.md), authenticated by the capture token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  BootstrapSchema, CAPTURE_LIMITS, CaptureParamsSchema, ChunkAnswerSchema, ErrorBodySchema, FinishAnswerSchema, FinishBodySchema, LightBodySchema, LightRevealSchema,
  StartAnswerSchema, StartBodySchema,
} from '../../workers/protocol/index.ts';
import { AppError } from '../errors.ts';
import { pageOutcome } from './retry-hint.ts';
import type { CaptureService } from './service.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 413: ErrorBodySchema, 429: ErrorBodySchema };

function captureToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Capture\s+([A-Za-z0-9_-]{16,128})$/.exec(header.trim()) : null;
  return match?.[1];
}

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
    schema: { tags: ['capture'], summary: 'Page bootstrap: the action and the session state', params: CaptureParamsSchema, response: { 200: BootstrapSchema, ...errors } },
    handler: async (request) => capture.bootstrap(request.params.id, captureToken(request)),
  });

  app.post('/v1/capture/:id/start', {
    schema: {
      tags: ['capture'],
      summary: 'Start a capture attempt: nonce, plan and whether a light challenge follows',
      params: CaptureParamsSchema,
      body: StartBodySchema,
      response: { 200: StartAnswerSchema, ...errors },
    },
    bodyLimit: CAPTURE_LIMITS.maxProfileBytes,
    handler: async (request) => capture.start(request.params.id, captureToken(request), request.body.device_profile),
  });

  app.post('/v1/capture/:id/chunk', {
    schema: { tags: ['capture'], summary: 'One CBOR evidence chunk (idempotent by attempt and seq)', params: CaptureParamsSchema, response: { 200: ChunkAnswerSchema, ...errors } },
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
      params: CaptureParamsSchema,
      body: LightBodySchema,
      response: { 200: LightRevealSchema, ...errors },
    },
    bodyLimit: CAPTURE_LIMITS.maxLightBodyBytes,
    handler: async (request) => capture.revealLight(request.params.id, captureToken(request), request.body.attempt_id),
  });

  app.post('/v1/capture/:id/finish', {
    schema: {
      tags: ['capture'],
      summary: 'Finish the attempt; the server analyses and answers with the status only',
      params: CaptureParamsSchema,
      body: FinishBodySchema,
      response: { 200: FinishAnswerSchema, ...errors },
    },
    bodyLimit: CAPTURE_LIMITS.maxFinishBodyBytes,
    handler: async (request) => pageOutcome(await capture.finish(request.params.id, captureToken(request), request.body)),
  });
}
