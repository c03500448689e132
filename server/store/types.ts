// The storage contract. Two implementations (node:sqlite, PostgreSQL) pass one test suite.
// Rows are plain objects; times are epoch milliseconds (numbers); JSON columns are parsed values.
import { TERMINAL_SESSION_STATUSES, type RiskLevel, type SessionStatus, type Verdict } from '../../workers/protocol/index.ts';

import type { TenantRow, PolicyRow, TenantPolicyFloorRow, IdentityTemplateRow, SigningKeyRow, WebhookEndpointRow, DeliveryStatus, DeliveryRow, DeliveryAttemptRow, DeliveryPatch } from './tenant-rows.ts';

export * from './tenant-rows.ts';

export type Scope = 'session:write' | 'session:read' | 'session:audit' | 'policy:write' | 'metrics:read';
export const ALL_SCOPES: readonly Scope[] = ['session:write', 'session:read', 'session:audit', 'policy:write', 'metrics:read'];

export type { RiskLevel, SessionStatus, Verdict };
export const TERMINAL_STATUSES: readonly SessionStatus[] = TERMINAL_SESSION_STATUSES;

export interface ApiKeyRow {
  id: string; // public part of the key, also the lookup key
  tenant_id: string;
  name: string;
  key_hash: string; // hex SHA-256 of the full key
  scopes: Scope[]; // empty = all scopes
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export type SessionStatusRow = Pick<SessionRow, 'id' | 'tenant_id' | 'status' | 'verdict' | 'failure_reasons' | 'completed_at' | 'expires_at'>;

export interface SessionRow {
  id: string;
  tenant_id: string;
  status: SessionStatus;
  action_description: string;
  action_details: unknown | null;
  action_sha256: string;
  risk_level: RiskLevel;
  frame_count: number;
  timeout_s: number;
  max_attempts: number;
  attempts_used: number;
  user_identifier: string | null;
  audience: string | null;
  nonce: string | null; // relying party's nonce, echoed in the attestation
  policy_id: string | null;
  policy: Record<string, unknown>; // resolved policy snapshot at creation
  metadata: Record<string, unknown> | null;
  capture_token_hash: string;
  idempotency_key: string | null;
  request_hash: string | null; // SHA-256 of the create body, for idempotency conflicts
  verdict: Verdict | null;
  failure_reasons: string[] | null;
  cancel_reason: string | null;
  created_at: number;
  expires_at: number;
  opened_at: number | null;
  completed_at: number | null; // set on every terminal transition
  updated_at: number;
  /** When the terminal status's webhook deliveries were queued (null: not yet). */
  webhooks_queued_at: number | null;
}

/**
 * The columns a session update may change (compare-and-set, Store.updateSession): the one
 * declaration both SessionPatch and the store's SET clause come from, so no patched field can be
 * dropped by a hand-kept copy.
 */
export const SESSION_PATCH_COLUMNS = [
  'status', 'attempts_used', 'verdict', 'failure_reasons', 'cancel_reason', 'opened_at', 'completed_at', 'updated_at',
  'capture_token_hash', 'webhooks_queued_at',
] as const satisfies readonly (keyof SessionRow)[];
export type SessionPatch = Partial<Pick<SessionRow, (typeof SESSION_PATCH_COLUMNS)[number]>>;

export type AttemptStatus = 'capturing' | 'finished' | 'superseded' | 'quality_failed' | 'analysed';

export interface AttemptRow {
  id: string;
  session_id: string;
  number: number; // 1-based
  status: AttemptStatus;
  nonce: string; // server nonce for this attempt
  plan: Record<string, unknown>;
  light_challenge: Record<string, unknown> | null;
  device_profile: Record<string, unknown> | null;
  client_summary: Record<string, unknown> | null;
  result: Record<string, unknown> | null; // analysis output
  started_at: number;
  finished_at: number | null;
}

/** The columns an attempt update may change: AttemptPatch and the SET clause come from this list. */
export const ATTEMPT_PATCH_COLUMNS = ['status', 'client_summary', 'result', 'finished_at'] as const satisfies readonly (keyof AttemptRow)[];
export type AttemptPatch = Partial<Pick<AttemptRow, (typeof ATTEMPT_PATCH_COLUMNS)[number]>>;

export interface EvidenceChunkRow {
  attempt_id: string;
  seq: number;
  sha256: string;
  bytes: Uint8Array;
  received_at: number;
}

/** One fingerprint hash of a capture's evidence (a crop, landmarks or a trace window). */
export interface EvidenceFingerprintRows {
  tenant_id: string;
  session_id: string;
  attempt_id: string;
  created_at: number;
  hashes: readonly string[];
}

/** How many of the given hashes another attempt of the tenant already left. */
export interface EvidenceReuse {
  attempt_id: string;
  session_id: string;
  matches: number;
}

/** When the server revealed a light-challenge step, ms since the attempt started (server clock). */
export interface LightRevealRow {
  step: number;
  revealed_at_ms: number;
}

export interface AttestationRow {
  jti: string; // = session id
  tenant_id: string;
  session_id: string;
  kid: string;
  token: string;
  claims: Record<string, unknown>;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface AuditEventRow {
  id: number; // assigned by the store, increasing
  session_id: string;
  tenant_id: string;
  type: string; // session_created, user_opened_url, capture_started, ...
  at: number;
  data: Record<string, unknown> | null;
}

export interface ReviewRow {
  id: string;
  session_id: string;
  tenant_id: string;
  kind: 'comment' | 'decision';
  message: string;
  decision: 'approved' | 'declined' | null;
  created_at: number;
}

/**
 * Storage failures a caller can act on. conflict: a unique key is taken (id, idempotency key);
 * not_found: a referenced row (tenant, session, attempt, ...) does not exist, or the row to change
 * is missing where the method says so; unavailable: the database cannot be reached, opened or is
 * locked past busy_timeout; migration_failed: the schema could not be brought up to date.
 */
export class StoreError extends Error {
  readonly code: 'conflict' | 'not_found' | 'unavailable' | 'migration_failed';
  constructor(code: StoreError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending versioned migrations. Idempotent; called at start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // Tenants and API keys
  createTenant(row: TenantRow): Promise<void>;
  getTenant(id: string): Promise<TenantRow | null>;
  countTenants(): Promise<number>;
  insertApiKey(row: ApiKeyRow): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRow | null>;
  listApiKeys(tenantId?: string): Promise<ApiKeyRow[]>;
  /** Returns false when no such key or already revoked. */
  revokeApiKey(id: string, at: number): Promise<boolean>;
  touchApiKey(id: string, at: number): Promise<void>;

  // Policies
  insertPolicy(row: PolicyRow): Promise<void>;
  getPolicy(tenantId: string, id: string): Promise<PolicyRow | null>;
  listPolicies(tenantId: string): Promise<PolicyRow[]>;
  /** Also increments the version. */
  updatePolicy(tenantId: string, id: string, config: Record<string, unknown>, name: string, at: number): Promise<PolicyRow | null>;
  getTenantPolicyFloor(tenantId: string): Promise<TenantPolicyFloorRow | null>;
  /** Inserts or replaces the tenant's floor. */
  setTenantPolicyFloor(row: TenantPolicyFloorRow): Promise<void>;

  // Sessions
  /** Throws StoreError('conflict') when (tenant_id, idempotency_key) already exists. */
  insertSession(row: SessionRow): Promise<void>;
  getSession(id: string): Promise<SessionRow | null>;
  /** Only what a status read shows (the hot path of polling clients): no policy or action JSON. */
  getSessionStatus(id: string): Promise<SessionStatusRow | null>;
  /** Terminal sessions whose webhook deliveries were never queued, ended before `endedBefore`, oldest first. */
  listUnqueuedTerminalSessions(endedBefore: number, limit: number): Promise<SessionRow[]>;
  findSessionByIdempotencyKey(tenantId: string, key: string): Promise<SessionRow | null>;
  /**
   * Compare-and-set: applies the patch only when the current status is one of `fromStatuses`.
   * Returns the updated row, or null when the status did not match (someone else moved it).
   */
  updateSession(id: string, fromStatuses: readonly SessionStatus[], patch: SessionPatch): Promise<SessionRow | null>;
  /** Non-terminal sessions whose expires_at <= now. */
  listExpiredSessions(now: number, limit: number): Promise<SessionRow[]>;
  /**
   * Sessions of one user (tenant + user_identifier) with verdict spoof or status failed since `since`
   * (dated by completed_at, which every terminal transition sets).
   */
  countRecentFailures(tenantId: string, userIdentifier: string, since: number): Promise<number>;
  /** When those failures happened (completed_at), oldest first: the lockout rule needs the times. */
  listRecentFailureTimes(tenantId: string, userIdentifier: string, since: number): Promise<number[]>;

  /**
   * Takes the session's next capture attempt in one statement: attempts_used + 1 and status
   * in_progress, only while the session is pending or in progress and attempts_used < max_attempts.
   * Returns the updated row (its attempts_used is the new attempt's number), or null when no
   * attempt is left or the session ended. Parallel callers each get a different number.
   */
  reserveAttempt(sessionId: string, at: number): Promise<SessionRow | null>;

  // Attempts and evidence
  insertAttempt(row: AttemptRow): Promise<void>;
  /**
   * Marks the session's capturing attempts superseded, all but the highest-numbered one: run after
   * inserting an attempt, so that of parallel starts only the newest stays live. Returns how many changed.
   */
  supersedeOlderAttempts(sessionId: string, at: number): Promise<number>;
  getAttempt(id: string): Promise<AttemptRow | null>;
  listAttempts(sessionId: string): Promise<AttemptRow[]>;
  updateAttempt(id: string, patch: AttemptPatch): Promise<void>;
  /**
   * Stores a chunk once. Returns 'stored', 'duplicate' (same seq, same sha256) or 'conflict'
   * (same seq, other bytes); never overwrites. With `maxAttemptBytes`, 'too_large' when the
   * attempt's received bytes would pass it: checked and counted in one statement, so parallel
   * chunks cannot pass the limit together. StoreError('not_found') for an unknown attempt.
   */
  putEvidenceChunk(row: EvidenceChunkRow, limits?: { maxAttemptBytes?: number }): Promise<'stored' | 'duplicate' | 'conflict' | 'too_large'>;
  listEvidenceChunks(attemptId: string): Promise<EvidenceChunkRow[]>;
  evidenceBytes(attemptId: string): Promise<number>;
  /** Deletes the chunks of every attempt of the session (attempts stay); returns how many chunks went. */
  deleteEvidence(sessionId: string): Promise<number>;
  /**
   * Deletes the chunks of sessions that ended (completed, failed, expired, cancelled) before
   * `endedBefore` (epoch ms, by the session's last update): the retention sweep. Returns how
   * many chunks went.
   */
  purgeEvidenceBefore(endedBefore: number): Promise<number>;
  /** Stores a capture's fingerprint hashes (a hash already stored for the attempt is kept once). */
  putEvidenceFingerprints(rows: EvidenceFingerprintRows): Promise<void>;
  /**
   * Other attempts of the tenant that left any of `hashes`, with how many of them each left,
   * most matches first.
   */
  findEvidenceReuse(tenantId: string, hashes: readonly string[], exceptAttemptId: string): Promise<EvidenceReuse[]>;
  /** Deletes fingerprints stored before `before` (epoch ms); returns how many went. */
  purgeEvidenceFingerprintsBefore(before: number): Promise<number>;
  /** Records the first reveal of each step (a step already revealed keeps its first time). */
  recordLightReveals(attemptId: string, steps: readonly number[], revealedAtMs: number): Promise<void>;
  /** The attempt's revealed steps, in step order. */
  listLightReveals(attemptId: string): Promise<LightRevealRow[]>;

  // Attestations
  insertAttestation(row: AttestationRow): Promise<void>;
  getAttestation(jti: string): Promise<AttestationRow | null>;
  revokeAttestation(jti: string, at: number, reason: string | null): Promise<boolean>;

  // Audit and reviews
  appendAudit(row: Omit<AuditEventRow, 'id'>): Promise<AuditEventRow>;
  listAudit(sessionId: string): Promise<AuditEventRow[]>;
  insertReview(row: ReviewRow): Promise<void>;
  listReviews(sessionId: string): Promise<ReviewRow[]>;

  // Signing keys
  insertSigningKey(row: SigningKeyRow): Promise<void>;
  listSigningKeys(): Promise<SigningKeyRow[]>;
  /** Sets retired_at once (a later call keeps the first time); StoreError('not_found') for an unknown kid. */
  retireSigningKey(kid: string, at: number): Promise<void>;
  /** Replaces the stored private key (sealing under the key-encryption key, or re-sealing on rotation). */
  setSigningKeyPrivateJwk(kid: string, privateJwk: Record<string, unknown>): Promise<void>;

  // Identity templates (server/identity): sealed embeddings per (tenant, user_identifier)
  /** Stores a template and keeps only the user's `keep` newest. */
  insertIdentityTemplate(row: IdentityTemplateRow, keep: number): Promise<void>;
  /** The user's templates, newest first. */
  listIdentityTemplates(tenantId: string, userIdentifier: string): Promise<IdentityTemplateRow[]>;
  /** Deletes every template of the user; returns how many went. */
  deleteIdentityTemplates(tenantId: string, userIdentifier: string): Promise<number>;
  /** Deletes templates created before `before` (retention); returns how many went. */
  deleteIdentityTemplatesBefore(before: number): Promise<number>;
  /** Every template (re-sealing under a new key-encryption key). */
  listAllIdentityTemplates(): Promise<IdentityTemplateRow[]>;
  setIdentityTemplateEmbedding(id: string, embedding: string): Promise<void>;

  // Rate limits shared by the instances on one database
  /**
   * Counts one hit on `key` in its fixed window (a new window of `windowMs` starts when the last
   * one ended by `now`); returns the count so far in the window and when it ends. Atomic.
   */
  hitRateLimit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }>;
  /** Deletes the counters whose window ended by `now`; returns how many went. */
  pruneRateLimits(now: number): Promise<number>;

  // Operations (readiness, metrics, doctor)
  /** The newest applied migration and the database's clock (epoch ms); throws when unreachable. */
  probe(): Promise<{ schemaVersion: number; clockMs: number }>;
  /** How many sessions there are per status and verdict (verdict null until completed). */
  countSessionsByStatus(): Promise<{ status: SessionStatus; verdict: Verdict | null; count: number }[]>;

  // Webhooks
  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void>;
  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpointRow[]>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | null>;
  /** Every tenant's endpoints (sealing and re-sealing secrets). */
  listAllWebhookEndpoints(): Promise<WebhookEndpointRow[]>;
  /** Replaces the stored secret (sealed form). */
  setWebhookSecret(id: string, secret: string): Promise<void>;
  /**
   * After secrets were rewritten in place (plaintext sealed, or re-sealed on rotation): drops the
   * old copies the database itself still holds. SQLite zeroes freed cells (secure_delete) and here
   * checkpoints and truncates the WAL; PostgreSQL rewrites the two tables (VACUUM FULL), leaving no
   * dead tuples (its own WAL and earlier backups are outside its reach).
   */
  scrubRewrittenSecrets(): Promise<void>;
  /** Also deletes the endpoint's deliveries and their attempt log. False when no such endpoint for the tenant. */
  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean>;
  disableWebhookEndpoint(id: string, reason: string): Promise<void>;
  enqueueDelivery(row: DeliveryRow): Promise<void>;
  /**
   * Claims up to `limit` pending deliveries due at `now` and locks them until `lockUntil`
   * (PostgreSQL: FOR UPDATE SKIP LOCKED), so concurrent workers never take the same one.
   * Only status 'pending' is claimed: a delivery waiting for a retry stays 'pending'. Oldest due first.
   */
  claimDueDeliveries(now: number, lockUntil: number, limit: number): Promise<DeliveryRow[]>;
  updateDelivery(id: string, patch: DeliveryPatch): Promise<void>;
  getDelivery(id: string): Promise<DeliveryRow | null>;
  listDeliveries(endpointId: string): Promise<DeliveryRow[]>;
  /** A no-op when the delivery no longer exists (its endpoint was deleted mid-attempt). */
  recordDeliveryAttempt(row: DeliveryAttemptRow): Promise<void>;
  listDeliveryAttempts(deliveryId: string): Promise<DeliveryAttemptRow[]>;
  /**
   * Deletes finished deliveries (delivered, failed, dead) last updated before `before` (epoch ms)
   * with their attempt log: the outbox keeps history for a while, not forever. Pending ones stay.
   * Returns how many deliveries went.
   */
  pruneDeliveries(before: number): Promise<number>;
}
