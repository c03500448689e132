// REST routes beyond sessions: policies, manual reviews, whoami, checks and a long-poll wait.
// Registered inside the authenticated, rate-limited /v1 scope; `livegate mcp --url` drives a
// remote Livegate through these, so the MCP tools behave the same there.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addReview, checksFor, listReviews, whoami } from '../application/account.ts';
import type { AppServices } from '../application/services.ts';
import { MAX_WAIT_S, ReviewView, WaitView, waitView, WhoamiView } from '../application/views.ts';
import { ErrorBodySchema } from '../http/schemas.ts';
import { CheckInfoSchema } from '../policies/checks.ts';
import { TenantFloorSchema } from '../policies/floor.ts';
import { CreatePolicyBody, PolicyView, UpdatePolicyBody } from '../policies/service.ts';
import { TenantFloorView } from '../policies/tenant-floor.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 429: ErrorBodySchema };
const SessionParams = z.object({ id: z.string().min(1).max(64).describe('Session id (UUID)') });
const PolicyParams = z.object({ id: z.string().min(1).max(128).describe('Policy id (pol_...)') });

export const ReviewBody = z
  .object({
    message: z.string().min(1).max(2000).describe('The comment, or the reason for a decision'),
    decision: z.enum(['approved', 'declined']).optional().describe('A reviewer decision; omit for a plain comment'),
  })
  .strict();

export async function extraApiRoutes(root: FastifyInstance, services: AppServices): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { sessions, policies, floors } = services;

  app.get('/v1/whoami', {
    schema: { tags: ['account'], summary: 'The tenant, scopes and server behind this API key', response: { 200: WhoamiView, ...errors } },
    handler: async (request) => whoami(services, request.auth),
  });

  app.get('/v1/checks', {
    schema: {
      tags: ['account'],
      summary: 'Liveness checks this deployment offers, and whether each is available',
      response: { 200: z.object({ checks: z.array(CheckInfoSchema) }), ...errors },
    },
    handler: async (request) => ({ checks: await checksFor(services, request.auth) }),
  });

  app.get('/v1/policies', {
    schema: { tags: ['policies'], summary: 'List policies', response: { 200: z.object({ policies: z.array(PolicyView) }), ...errors } },
    handler: async (request) => ({ policies: await policies.list(request.auth) }),
  });
  app.post('/v1/policies', {
    schema: { tags: ['policies'], summary: 'Create a policy (scope policy:write; defaults fill what you leave out; never below the floor)', body: CreatePolicyBody, response: { 201: PolicyView, ...errors } },
    handler: async (request, reply) => reply.status(201).send(await policies.create(request.auth, request.body)),
  });
  app.get('/v1/policies/:id', {
    schema: { tags: ['policies'], summary: 'Get a policy', params: PolicyParams, response: { 200: PolicyView, ...errors } },
    handler: async (request) => policies.get(request.auth, request.params.id),
  });
  app.patch('/v1/policies/:id', {
    schema: { tags: ['policies'], summary: 'Change a policy (scope policy:write; merged over the stored one; never below the floor)', params: PolicyParams, body: UpdatePolicyBody, response: { 200: PolicyView, ...errors } },
    handler: async (request) => policies.update(request.auth, request.params.id, request.body),
  });

  app.get('/v1/tenant/policy-floor', {
    schema: { tags: ['policies'], summary: "The tenant's policy floor and what it means per risk level", response: { 200: TenantFloorView, ...errors } },
    handler: async (request) => floors.get(request.auth),
  });
  app.put('/v1/tenant/policy-floor', {
    schema: {
      tags: ['policies'],
      summary: "Replace the tenant's policy floor (scope policy:write; {} clears it)",
      body: TenantFloorSchema,
      response: { 200: TenantFloorView, ...errors },
    },
    handler: async (request) => floors.set(request.auth, request.body),
  });

  app.get('/v1/sessions/:id/reviews', {
    schema: {
      tags: ['reviews'],
      summary: 'Manual reviews of a session (scope session:audit)',
      params: SessionParams,
      response: { 200: z.object({ reviews: z.array(ReviewView) }), ...errors },
    },
    handler: async (request) => ({ reviews: await listReviews(services, request.auth, request.params.id) }),
  });
  app.post('/v1/sessions/:id/reviews', {
    schema: {
      tags: ['reviews'],
      summary: 'Add a review comment or decision (scope session:audit; audited)',
      params: SessionParams,
      body: ReviewBody,
      response: { 201: ReviewView, ...errors },
    },
    handler: async (request, reply) => reply.status(201).send(await addReview(services, request.auth, request.params.id, request.body)),
  });

  app.get('/v1/sessions/:id/wait', {
    schema: {
      tags: ['sessions'],
      summary: `Long-poll: answers when the session is terminal or after timeout_s (at most ${MAX_WAIT_S})`,
      params: SessionParams,
      querystring: z.object({ timeout_s: z.coerce.number().int().min(0).max(MAX_WAIT_S).default(25) }),
      response: { 200: WaitView, ...errors },
    },
    handler: async (request, reply) => {
      // Stop waiting when the client goes away, so abandoned long-polls hold nothing.
      // (The response's 'close', not the request's: that one fires once the body is read.)
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort());
      const outcome = await sessions.waitForTerminal(request.auth, request.params.id, request.query.timeout_s * 1000, undefined, abort.signal);
      return waitView(outcome.status);
    },
  });
}
