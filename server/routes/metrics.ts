// GET /metrics (Prometheus text format) for an API key with the metrics:read scope (a key with no
// scopes has them all); and, with LIVEGATE_METRICS_PORT, the same exposition without a key on a
// port of its own, for a scraper on a private network.
import { createServer, type Server } from 'node:http';
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

/** A bare HTTP listener answering GET /metrics only (LIVEGATE_METRICS_PORT). */
export async function listenMetrics(metrics: Metrics, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served on this port.\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
