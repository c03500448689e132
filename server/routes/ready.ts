// GET /readyz: the readiness of server/application/readiness.ts, 200 or 503 naming the failing part.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Readiness, ReadinessPart } from '../application/readiness.ts';
import { AppError } from '../errors.ts';
import { ErrorBodySchema } from '../http/schemas.ts';

const CheckSchema = z.object({ ok: z.boolean(), detail: z.string() });
const ChecksSchema = z.object({ models: CheckSchema, store: CheckSchema, migrations: CheckSchema });
export const ReadySchema = z.object({ status: z.literal('ready'), checks: ChecksSchema });
export const NotReadySchema = ErrorBodySchema.extend({
  status: z.literal('not_ready'),
  failing: z.array(z.enum(['models', 'store', 'migrations'])).describe('The parts that are not ready'),
  checks: ChecksSchema,
});

export async function readyRoutes(root: FastifyInstance, { check }: { check: () => Promise<Readiness> }): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: models in place, store reachable, schema current (503 names the failing part)',
      response: { 200: ReadySchema, 503: NotReadySchema },
    },
    handler: async (_request, reply) => {
      const readiness = await check();
      void reply.header('cache-control', 'no-store');
      if (readiness.ready) return { status: 'ready' as const, checks: readiness.checks };
      const failing = (Object.keys(readiness.checks) as ReadinessPart[]).filter((part) => !readiness.checks[part].ok);
      const error = new AppError('not_ready', `Not ready: ${failing.map((part) => `${part} (${readiness.checks[part].detail})`).join('; ')}.`, {
        details: { failing },
      });
      return reply.status(503).send({ status: 'not_ready' as const, failing, checks: readiness.checks, ...error.toBody() });
    },
  });
}
