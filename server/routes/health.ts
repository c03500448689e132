// Liveness of the server itself, and the public keys relying parties verify attestations with.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { health, jwks } from '../application/account.ts';
import type { AppServices } from '../application/services.ts';
import { HealthSchema } from '../application/views.ts';

export async function healthRoutes(root: FastifyInstance, { services }: { services: Pick<AppServices, 'keyring' | 'startedAt'> }): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', {
    schema: { tags: ['health'], summary: 'Server health', response: { 200: HealthSchema } },
    handler: async () => health(services),
  });
  app.get('/.well-known/jwks.json', {
    schema: { tags: ['attestations'], summary: 'Public keys that sign attestations (JWKS)' },
    handler: async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=60');
      return jwks(services);
    },
  });
}
