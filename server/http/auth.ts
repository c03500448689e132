// API-key authentication for a route scope: resolves request.auth or answers 401/403.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createApiKeyAuthenticator, presentedKey, requireScopeOf, type AuthContext } from '../auth/api-keys.ts';
import type { Scope, Store } from '../store/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyInstance {
    requireScope(scope: Scope): (request: FastifyRequest) => Promise<void>;
  }
}

export type Authenticate = ReturnType<typeof createApiKeyAuthenticator>;

/**
 * Authenticates every request of the current scope. It runs at preParsing: after the per-route
 * rate limit (an onRequest hook), so floods are refused before any key lookup, and before the
 * body is read, so an unauthenticated caller never gets a body parsed.
 */
export function installApiKeyAuth(app: FastifyInstance, authenticate: Authenticate): void {
  app.addHook('preParsing', async (request: FastifyRequest, _reply, payload) => {
    request.auth = await authenticate(presentedKey(request.headers));
    return payload;
  });
}

export function requireScope(scope: Scope) {
  return async (request: FastifyRequest) => requireScopeOf(request.auth, scope);
}

export function decorateAuth(app: FastifyInstance, _store: Store): void {
  app.decorateRequest('auth', null as unknown as AuthContext);
  app.decorate('requireScope', requireScope);
}
