// Liveness of the server itself, and the public keys relying parties verify attestations with.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Keyring } from '../attestation/keyring.ts';
import { VERSION } from '../version.ts';

export const HealthSchema = z.object({
  status: z.literal('ok'),
  uptime: z.string().describe('Seconds since start, e.g. "42s"'),
  timestamp: z.string(),
  version: z.string(),
});

export function healthPayload(startedAt: number, now = Date.now()) {
  return {
    status: 'ok' as const,
    uptime: `${Math.floor((now - startedAt) / 1000)}s`,
    timestamp: new Date(now).toISOString(),
    version: VERSION,
  };
}

export async function healthRoutes(root: FastifyInstance, { keyring, startedAt }: { keyring: Keyring; startedAt: number }): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', {
    schema: { tags: ['health'], summary: 'Server health', response: { 200: HealthSchema } },
    handler: async () => healthPayload(startedAt),
  });
  app.get('/.well-known/jwks.json', {
    schema: { tags: ['attestations'], summary: 'Public keys that sign attestations (JWKS)' },
    handler: async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=60');
      return keyring.jwks();
    },
  });
}
