// What the MCP tools call: one caller's view of a Livegate deployment. Two implementations:
// in-process over the application services (local.ts) and over the REST API of a remote server (remote.ts),
// so `livegate mcp --url` behaves exactly like the embedded and HTTP modes.
import type { JSONWebKeySet } from 'jose';
import type { HealthView, Review, Whoami } from '../application/views.ts';
import { z } from 'zod';
import type { ForgetUserResultView } from '../identity/forget.ts';
import type { CheckInfo } from '../policies/checks.ts';
import type { CreatePolicyInput, PolicyViewT, UpdatePolicyInput } from '../policies/service.ts';
import type { AttestationStatus, CreateSessionInput, SessionCreatedView, SessionResultView, SessionStatus } from '../sessions/schemas.ts';

export type AttestationStatusView = z.infer<typeof AttestationStatus>;

export type { HealthView, Review, Whoami } from '../application/views.ts';

export interface WaitOutcome {
  status: SessionStatus;
  timed_out: boolean;
}

export interface LivegateClient {
  whoami(): Promise<Whoami>;
  health(): Promise<HealthView>;
  createSession(input: CreateSessionInput): Promise<SessionCreatedView>;
  getStatus(id: string): Promise<SessionStatus>;
  getResult(id: string): Promise<SessionResultView>;
  cancel(id: string, reason?: string): Promise<{ session_id: string; status: 'cancelled'; reason: string | null }>;
  /** Resolves when the session is terminal or the timeout passes; onChange sees every status change. */
  waitForTerminal(id: string, timeoutMs: number, onChange?: (status: SessionStatus) => void | Promise<void>, signal?: AbortSignal): Promise<WaitOutcome>;
  /** Calls onChange on every status change of a session the caller may read; returns the unsubscribe. */
  watchSession(id: string, onChange: (status: string) => void): Promise<() => void>;
  listPolicies(): Promise<PolicyViewT[]>;
  getPolicy(id: string): Promise<PolicyViewT>;
  createPolicy(input: CreatePolicyInput): Promise<PolicyViewT>;
  updatePolicy(id: string, input: UpdatePolicyInput): Promise<PolicyViewT>;
  listChecks(): Promise<CheckInfo[]>;
  jwks(): Promise<JSONWebKeySet>;
  /** Whether an attestation issued for this tenant still stands (GET /v1/attestations/{jti}). */
  attestationStatus(jti: string): Promise<AttestationStatusView>;
  addReview(id: string, input: { message: string; decision?: 'approved' | 'declined' }): Promise<Review>;
  listReviews(id: string): Promise<Review[]>;
  /** Deletes the user's face templates (DELETE /v1/users/{user_identifier}/templates). */
  forgetUser(userIdentifier: string): Promise<ForgetUserResultView>;
}
