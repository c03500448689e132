// The in-process LivegateClient: the session and policy services, bound to one caller.
import type { JSONWebKeySet } from 'jose';
import type { AppServices } from '../app.ts';
import { requireScopeOf, type AuthContext } from '../auth/api-keys.ts';
import { forgetUser } from '../identity/forget.ts';
import { listChecks } from '../policies/checks.ts';
import { createPolicyService, type PolicyService } from '../policies/service.ts';
import { healthPayload } from '../routes/health.ts';
import type { SessionChange } from '../sessions/service.ts';
import type { ReviewRow } from '../store/types.ts';
import { VERSION } from '../version.ts';
import type { LivegateClient, Review } from './client.ts';

/** What the local client needs from the app (a subset of AppServices, so stdio can build it too). */
export type LocalServices = Pick<AppServices, 'config' | 'store' | 'keyring' | 'sessions'>;

export function reviewView(row: ReviewRow): Review {
  return {
    review_id: row.id,
    session_id: row.session_id,
    kind: row.kind,
    message: row.message,
    decision: row.decision,
    created_at: new Date(row.created_at).toISOString(),
  };
}

export interface LocalClientFactory {
  (auth: AuthContext): LivegateClient;
}

/** One factory per app: it shares the policy service and the start time across callers. */
export function createLocalClientFactory(services: LocalServices, options: { startedAt?: number; policies?: PolicyService } = {}): LocalClientFactory {
  const { config, sessions, keyring } = services;
  const policies = options.policies ?? createPolicyService({ store: services.store });
  const startedAt = options.startedAt ?? Date.now();

  return (auth) => ({
    async whoami() {
      return { tenant: auth.tenantId, key_id: auth.keyId, scopes: [...auth.scopes], server_version: VERSION, public_url: config.publicUrl };
    },
    async health() {
      return healthPayload(startedAt);
    },
    createSession: (input) => sessions.createSession(auth, input),
    getStatus: (id) => sessions.getStatus(auth, id),
    getResult: (id) => sessions.getResult(auth, id),
    cancel: (id, reason) => sessions.cancel(auth, id, reason),
    waitForTerminal: (id, timeoutMs, onChange, signal) => sessions.waitForTerminal(auth, id, timeoutMs, onChange, signal),
    async watchSession(id, onChange) {
      await sessions.getStatus(auth, id); // scope and tenant check; throws session_not_found
      return sessions.changes.subscribe(id, (change: SessionChange) => onChange(change.status));
    },
    listPolicies: () => policies.list(auth),
    getPolicy: (id) => policies.get(auth, id),
    createPolicy: (input) => policies.create(auth, input),
    updatePolicy: (id, input) => policies.update(auth, id, input),
    async listChecks() {
      requireScopeOf(auth, 'session:read');
      return listChecks(config.modelsDir);
    },
    attestationStatus: (jti) => sessions.attestationStatus(auth, jti),
    async jwks() {
      return (await keyring.jwks()) as JSONWebKeySet;
    },
    async addReview(id, input) {
      return reviewView(await sessions.addReview(auth, id, input));
    },
    async listReviews(id) {
      return (await sessions.listReviews(auth, id)).map(reviewView);
    },
    forgetUser: (userIdentifier) => forgetUser({ store: services.store }, { tenantId: auth.tenantId, by: `api_key:${auth.keyId}`, auth }, userIdentifier),
  });
}
