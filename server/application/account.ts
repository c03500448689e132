// The caller-facing operations both transports expose beyond the session service itself: who
// the caller is, the server's health, the checks on offer, manual reviews and forgetting a
// user. REST routes (server/routes, server/identity/routes.ts) and the in-process MCP client
// (server/mcp/local.ts) are thin adapters over these.
import type { JSONWebKeySet } from 'jose';
import { requireScopeOf, type AuthContext } from '../auth/api-keys.ts';
import { forgetUser as forgetUserTemplates, type ForgetUserResultView } from '../identity/forget.ts';
import { listChecks, type CheckInfo } from '../policies/checks.ts';
import type { AppServices } from './services.ts';
import { healthView, reviewView, whoamiView, type HealthView, type Review, type Whoami } from './views.ts';


export function whoami(services: Pick<AppServices, 'config'>, auth: AuthContext): Whoami {
  return whoamiView(auth, services.config.publicUrl);
}

export function health(services: Pick<AppServices, 'startedAt'>): HealthView {
  return healthView(services.startedAt);
}

/** The liveness checks this deployment offers (scope session:read). */
export async function checksFor(services: Pick<AppServices, 'config'>, auth: AuthContext): Promise<CheckInfo[]> {
  requireScopeOf(auth, 'session:read');
  return listChecks(services.config.modelsDir);
}

export async function jwks(services: Pick<AppServices, 'keyring'>): Promise<JSONWebKeySet> {
  return (await services.keyring.jwks()) as JSONWebKeySet;
}

export async function listReviews(services: Pick<AppServices, 'sessions'>, auth: AuthContext, sessionId: string): Promise<Review[]> {
  return (await services.sessions.listReviews(auth, sessionId)).map(reviewView);
}

export async function addReview(
  services: Pick<AppServices, 'sessions'>,
  auth: AuthContext,
  sessionId: string,
  input: { message: string; decision?: 'approved' | 'declined' },
): Promise<Review> {
  return reviewView(await services.sessions.addReview(auth, sessionId, input));
}

/** Deletes the user's face templates, audited as done by this API key (scope session:write). */
export function forgetUser(services: Pick<AppServices, 'store'>, auth: AuthContext, userIdentifier: string): Promise<ForgetUserResultView> {
  return forgetUserTemplates({ store: services.store }, { tenantId: auth.tenantId, by: `api_key:${auth.keyId}`, auth }, userIdentifier);
}
