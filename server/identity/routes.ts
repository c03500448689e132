// DELETE /v1/users/{user_identifier}/templates: forget a user's face templates (scope session:write).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { forgetUser } from '../application/account.ts';
import type { AppServices } from '../application/services.ts';
import { ErrorBodySchema } from '../http/schemas.ts';
import { ForgetUserResult, UserIdentifierParam } from './forget.ts';

export async function identityRoutes(root: FastifyInstance, services: Pick<AppServices, 'store'>): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.delete('/v1/users/:user_identifier/templates', {
    schema: {
      tags: ['identity'],
      summary: "Delete the user's face templates (the next identity session enrols again); audited",
      params: z.object({ user_identifier: UserIdentifierParam }),
      response: { 200: ForgetUserResult, 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema },
    },
    handler: async (request) => forgetUser(services, request.auth, request.params.user_identifier),
  });
}
