// DELETE /v1/users/{user_identifier}/templates: forget a user's face templates (scope session:write).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppServices } from '../app.ts';
import { ErrorBodySchema } from '../http/schemas.ts';
import { forgetUser, ForgetUserResult, UserIdentifierParam } from './forget.ts';

export async function identityRoutes(root: FastifyInstance, services: AppServices): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.delete('/v1/users/:user_identifier/templates', {
    schema: {
      tags: ['identity'],
      summary: "Delete the user's face templates (the next identity session enrols again); audited",
      params: z.object({ user_identifier: UserIdentifierParam }),
      response: { 200: ForgetUserResult, 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema },
    },
    handler: async (request) =>
      forgetUser(services, { tenantId: request.auth.tenantId, by: `api_key:${request.auth.keyId}`, auth: request.auth }, request.params.user_identifier),
  });
}
