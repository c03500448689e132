// The session service owns every state change of a verification session. REST, MCP and the
// capture endpoints call it; nothing else writes sessions. Every transition is an audit event.
// Composed of one module per job: lifecycle.ts (transitions, expiry, cancel), creation.ts
// (create, idempotency), views.ts (status, result, audit trail), wait.ts (waits on the change
// feed), attestations.ts (issuing, revocation), reviews.ts, capture-auth.ts (capture token).
import { createAttestations } from './attestations.ts';
import { createCaptureAuthorisation } from './capture-auth.ts';
import { createLocalSessionChanges } from './changes.ts';
import { createCreation } from './creation.ts';
import { createLifecycle } from './lifecycle.ts';
import type { SessionDeps, SessionServiceOptions } from './options.ts';
import { createReviews } from './reviews.ts';
import { createViews } from './views.ts';
import { createWaits } from './wait.ts';

export type { SessionChange, SessionChanges } from './changes.ts';
export type { AttestationSigner, SessionServiceOptions, WebhookEmitter } from './options.ts';
export { isTerminal } from './lifecycle.ts';
export { hashToken } from './creation.ts';

export type SessionService = ReturnType<typeof createSessionService>;

export function createSessionService(options: SessionServiceOptions) {
  const deps: SessionDeps = {
    ...options,
    now: options.now ?? Date.now,
    lockout: options.lockout ?? { failures: 5, windowS: 180, durationS: 1800 },
    changes: options.changes ?? createLocalSessionChanges(),
    sharedWaitPollMs: options.sharedWaitPollMs ?? 5_000,
  };
  const lifecycle = createLifecycle(deps);
  const { cancel, failSession, queueMissedWebhooks, sweepExpired } = lifecycle;
  return {
    changes: deps.changes,
    ...createCreation(deps, lifecycle),
    ...createViews(deps, lifecycle),
    ...createWaits(deps, lifecycle),
    cancel,
    failSession,
    queueMissedWebhooks,
    sweepExpired,
    ...createAttestations(deps, lifecycle),
    ...createReviews(deps, lifecycle),
    ...createCaptureAuthorisation(deps, lifecycle),
  };
}
