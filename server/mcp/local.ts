// The in-process LivegateClient: the application services, bound to one caller. A thin adapter:
// every operation is the one the REST API runs (server/application).
import type { AuthContext } from '../auth/api-keys.ts';
import { addReview, checksFor, forgetUser, health, jwks, listReviews, whoami } from '../application/account.ts';
import type { AppServices } from '../application/services.ts';
import type { SessionChange } from '../sessions/service.ts';
import type { LivegateClient } from './client.ts';

/** What the local client needs from the application. */
export type LocalServices = Pick<AppServices, 'config' | 'store' | 'keyring' | 'sessions' | 'policies' | 'startedAt'>;

export interface LocalClientFactory {
  (auth: AuthContext): LivegateClient;
}

/** One factory per app: every caller shares the app's services (one policy service, one start time). */
export function createLocalClientFactory(services: LocalServices): LocalClientFactory {
  const { sessions, policies } = services;
  return (auth) => ({
    whoami: async () => whoami(services, auth),
    health: async () => health(services),
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
    listChecks: () => checksFor(services, auth),
    attestationStatus: (jti) => sessions.attestationStatus(auth, jti),
    jwks: () => jwks(services),
    addReview: (id, input) => addReview(services, auth, id, input),
    listReviews: (id) => listReviews(services, auth, id),
    forgetUser: (userIdentifier) => forgetUser(services, auth, userIdentifier),
  });
}
