// GET /metrics (Prometheus text format) for an API key with the metrics:read scope (a key with no
// scopes has them all). server.ts also serves it without a key on LIVEGATE_METRICS_PORT.
import type { FastifyInstance } from 'fastify';
import { requireScopeOf } from '../auth/api-keys.ts';
import type { Metrics } from '../observability/metrics.ts';

/** Registered inside the API scope: its rate limit and API-key authentication apply. */
export async function metricsRoutes(app: FastifyInstance, { metrics }: { metrics: Metrics }): Promise<void> {
  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics (scope metrics:read)' },
    handler: async (request, reply) => {
      requireScopeOf(request.auth, 'metrics:read');
      const { contentType, body } = await metrics.render();
      return reply.header('cache-control', 'no-store').type(contentType).send(body);
    },
  });
}
