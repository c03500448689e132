// What the session service is built from: the store, the signer, the change feed and the rules.
// Every job module (lifecycle, creation, views, attestations, reviews, capture) reads these.
import type { AttestationInput, SignedAttestation } from '../attestation/sign.ts';
import type { Store } from '../store/types.ts';
import type { SessionChanges } from './changes.ts';
import type { LockoutRule } from './lockout.ts';

export interface AttestationSigner {
  /** Signs an attestation JWT; returns the token, the key id used and the claims as signed. */
  sign(input: AttestationInput): Promise<SignedAttestation>;
}

export interface WebhookEmitter {
  emit(tenantId: string, eventType: string, data: Record<string, unknown>, options?: { key?: string }): Promise<unknown>;
}

export interface SessionServiceOptions {
  store: Store;
  signer: AttestationSigner;
  publicUrl: string;
  attestationTtlS: number;
  webhooks?: WebhookEmitter;
  /** Per-user lockout after repeated failures (default 5 in 180 s lock 1800 s). */
  lockout?: LockoutRule;
  now?: () => number;
  /** Where status changes are published and waits subscribe (default: this process only). */
  changes?: SessionChanges;
  /** How often a wait re-reads the session when the feed is shared and best effort (ms). */
  sharedWaitPollMs?: number;
  logger?: { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  /** Why the identity check cannot run here (its model is missing, with the fix), or null. */
  identityUnavailable?: () => string | null;
}

/** The options with their defaults applied: what the job modules receive. */
export interface SessionDeps extends Omit<SessionServiceOptions, 'now' | 'lockout' | 'changes' | 'sharedWaitPollMs'> {
  now: () => number;
  lockout: LockoutRule;
  changes: SessionChanges;
  sharedWaitPollMs: number;
}
