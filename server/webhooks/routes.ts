// REST API v1: webhook endpoints per tenant. Thin: validation by schema, state in the service.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { ErrorBodySchema } from '../http/schemas.ts';
import { webhookEventTypeSchema } from './events.ts';
import type { WebhookService } from './service.ts';
import { MAX_WEBHOOK_URL_LENGTH } from './url.ts';

const EventList = z
  .array(webhookEventTypeSchema)
  .max(16)
  .describe('Events to receive; leave out (or empty) for all of them');

export const CreateWebhookBody = z
  .object({
    url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).describe('Receiver URL (http or https) that gets the signed POSTs; loopback, private, link-local and internal hosts are refused (400 webhook_url_forbidden) unless the server sets LIVEGATE_WEBHOOK_ALLOW_PRIVATE=1'),
    events: EventList.optional(),
  })
  .strict();

const WebhookFields = {
  id: z.string(),
  url: z.string(),
  events: z.array(webhookEventTypeSchema).describe('Subscribed events; empty means all'),
  created_at: z.iso.datetime(),
};

export const WebhookCreated = z.object({
  ...WebhookFields,
  secret: z
    .string()
    .describe('Signing secret (whsec_...) for Standard Webhooks verification. Shown only in this response: store it now.'),
});

export const WebhookEndpointSchema = z.object({
  ...WebhookFields,
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('Why deliveries stopped (e.g. the receiver answered 410 Gone)'),
});

export const WebhookList = z.object({ webhooks: z.array(WebhookEndpointSchema) });

const WebhookParams = z.object({ id: z.string().min(1).max(64).describe('Webhook endpoint id (wh_...)') });
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema };

export async function webhookRoutes(root: FastifyInstance, { webhooks }: { webhooks: WebhookService }): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post('/v1/webhooks', {
    preHandler: root.requireScope('session:write'),
    schema: {
      tags: ['webhooks'],
      summary: 'Register a webhook endpoint (the signing secret is shown once)',
      body: CreateWebhookBody,
      response: { 201: WebhookCreated, ...errors, 413: ErrorBodySchema, 415: ErrorBodySchema },
    },
    handler: async (request, reply) => {
      const created = await webhooks.createEndpoint(request.auth.tenantId, request.body);
      return reply.status(201).send(created);
    },
  });

  app.get('/v1/webhooks', {
    preHandler: root.requireScope('session:read'),
    schema: {
      tags: ['webhooks'],
      summary: 'List webhook endpoints (without secrets)',
      response: { 200: WebhookList, ...errors },
    },
    handler: async (request) => ({ webhooks: await webhooks.listEndpoints(request.auth.tenantId) }),
  });

  app.delete('/v1/webhooks/:id', {
    preHandler: root.requireScope('session:write'),
    schema: {
      tags: ['webhooks'],
      summary: 'Delete a webhook endpoint and its queued deliveries',
      params: WebhookParams,
      response: { 204: z.null().describe('Deleted'), ...errors, 404: ErrorBodySchema },
    },
    handler: async (request, reply) => {
      const deleted = await webhooks.deleteEndpoint(request.auth.tenantId, request.params.id);
      if (!deleted) throw new AppError('webhook_not_found', `No webhook endpoint "${request.params.id}".`);
      return reply.status(204).send(null);
    },
  });
}
