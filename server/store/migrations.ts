// Versioned schema migrations, shared by both dialects. Each migration is written once against
// a small type vocabulary and rendered per dialect, so the two schemas cannot drift apart.
// Append new migrations at the end; never edit one that has shipped.

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  sql: (d: Dialect) => string;
}

/** Column types that differ between dialects. */
export interface DialectTypes {
  /** Epoch milliseconds. */
  ms: string;
  json: string;
  bytes: string;
  bool: string;
  /** An increasing integer primary key assigned by the database. */
  serialPk: string;
}

export function typesFor(d: Dialect): DialectTypes {
  return d === 'sqlite'
    ? { ms: 'INTEGER', json: 'TEXT', bytes: 'BLOB', bool: 'INTEGER', serialPk: 'INTEGER PRIMARY KEY AUTOINCREMENT' }
    : { ms: 'BIGINT', json: 'JSONB', bytes: 'BYTEA', bool: 'BOOLEAN', serialPk: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' };
}

/** Created before any migration runs; records which versions are applied. */
export function schemaMigrationsDdl(d: Dialect): string {
  const t = typesFor(d);
  return `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at ${t.ms} NOT NULL
  )`;
}

const initial: Migration = {
  version: 1,
  name: 'initial schema',
  sql: (d) => {
    const t = typesFor(d);
    return `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at ${t.ms} NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  scopes ${t.json} NOT NULL,
  created_at ${t.ms} NOT NULL,
  revoked_at ${t.ms},
  last_used_at ${t.ms}
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE policies (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  config ${t.json} NOT NULL,
  created_at ${t.ms} NOT NULL,
  updated_at ${t.ms} NOT NULL
);
CREATE INDEX policies_tenant ON policies (tenant_id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  status TEXT NOT NULL,
  action_description TEXT NOT NULL,
  action_details ${t.json},
  action_sha256 TEXT NOT NULL,
  risk_level TEXT NOT NULL,
  frame_count INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  attempts_used INTEGER NOT NULL,
  user_identifier TEXT,
  audience TEXT,
  nonce TEXT,
  policy_id TEXT,
  policy ${t.json} NOT NULL,
  metadata ${t.json},
  capture_token_hash TEXT NOT NULL,
  idempotency_key TEXT,
  request_hash TEXT,
  verdict TEXT,
  failure_reasons ${t.json},
  cancel_reason TEXT,
  created_at ${t.ms} NOT NULL,
  expires_at ${t.ms} NOT NULL,
  opened_at ${t.ms},
  completed_at ${t.ms},
  updated_at ${t.ms} NOT NULL
);
CREATE UNIQUE INDEX sessions_idempotency ON sessions (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The sweeper's query: only live sessions can expire, so the partial index stays small.
CREATE INDEX sessions_live_expiry ON sessions (expires_at) WHERE status IN ('pending', 'in_progress');
CREATE INDEX sessions_user_recent ON sessions (tenant_id, user_identifier, completed_at) WHERE user_identifier IS NOT NULL;

CREATE TABLE attempts (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  number INTEGER NOT NULL,
  status TEXT NOT NULL,
  nonce TEXT NOT NULL,
  plan ${t.json} NOT NULL,
  light_challenge ${t.json},
  device_profile ${t.json},
  client_summary ${t.json},
  result ${t.json},
  started_at ${t.ms} NOT NULL,
  finished_at ${t.ms},
  UNIQUE (session_id, number)
);

CREATE TABLE evidence_chunks (
  attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  bytes ${t.bytes} NOT NULL,
  received_at ${t.ms} NOT NULL,
  PRIMARY KEY (attempt_id, seq)
);

CREATE TABLE attestations (
  jti TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  session_id TEXT NOT NULL REFERENCES sessions(id),
  kid TEXT NOT NULL,
  token TEXT NOT NULL,
  claims ${t.json} NOT NULL,
  issued_at ${t.ms} NOT NULL,
  expires_at ${t.ms} NOT NULL,
  revoked_at ${t.ms},
  revoke_reason TEXT
);

CREATE TABLE audit_events (
  id ${t.serialPk},
  session_id TEXT NOT NULL REFERENCES sessions(id),
  tenant_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at ${t.ms} NOT NULL,
  data ${t.json}
);
CREATE INDEX audit_events_session ON audit_events (session_id, id);

CREATE TABLE reviews (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  tenant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  decision TEXT,
  created_at ${t.ms} NOT NULL
);
CREATE INDEX reviews_session ON reviews (session_id, created_at);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_jwk ${t.json} NOT NULL,
  public_jwk ${t.json} NOT NULL,
  created_at ${t.ms} NOT NULL,
  activates_at ${t.ms} NOT NULL,
  retired_at ${t.ms}
);

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events ${t.json} NOT NULL,
  enabled ${t.bool} NOT NULL,
  disabled_reason TEXT,
  created_at ${t.ms} NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

-- Deleting an endpoint drops its outbox: nothing could deliver them any more.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload ${t.json} NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at ${t.ms} NOT NULL,
  last_status_code INTEGER,
  last_error TEXT,
  created_at ${t.ms} NOT NULL,
  updated_at ${t.ms} NOT NULL,
  locked_until ${t.ms}
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

CREATE TABLE webhook_delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at ${t.ms} NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, attempt);
`;
  },
};

/**
 * When a terminal session's webhook deliveries were queued: the sweeper queues them for a session
 * that ended without (a crash between the state change and the enqueue). Sessions that ended
 * before this migration count as queued.
 */
const webhooksQueuedAt: Migration = {
  version: 2,
  name: 'sessions.webhooks_queued_at',
  sql: (d) => `
ALTER TABLE sessions ADD COLUMN webhooks_queued_at ${typesFor(d).ms};
UPDATE sessions SET webhooks_queued_at = updated_at WHERE status IN ('completed', 'failed', 'expired', 'cancelled');
CREATE INDEX sessions_webhooks_unqueued ON sessions (updated_at) WHERE webhooks_queued_at IS NULL;
`,
};

/**
 * A running total of the evidence bytes each attempt received: one conditional UPDATE checks and
 * counts a chunk at once, so parallel uploads cannot pass the per-attempt limit together.
 */
const attemptEvidenceBytes: Migration = {
  version: 3,
  name: 'attempts.evidence_bytes',
  sql: (d) => `
ALTER TABLE attempts ADD COLUMN evidence_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE attempts SET evidence_bytes = (
  SELECT COALESCE(SUM(${d === 'sqlite' ? 'length' : 'octet_length'}(bytes)), 0) FROM evidence_chunks WHERE evidence_chunks.attempt_id = attempts.id
);
`,
};

/**
 * Policy floor (issue 11): stored policies get a version (carried in attestations), and each
 * tenant may store a floor of minimums that every session's policy must meet.
 */
const policyFloor: Migration = {
  version: 4,
  name: 'policies.version and tenant_policy_floors',
  sql: (d) => `
ALTER TABLE policies ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE tenant_policy_floors (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
  floor ${typesFor(d).json} NOT NULL,
  updated_at ${typesFor(d).ms} NOT NULL
);
`,
};

/**
 * Fixed-window request counters shared by every instance on one database (the per-IP rate limits
 * when DATABASE_URL is set): one upsert per request counts and reads at once.
 */
const rateLimits: Migration = {
  version: 5,
  name: 'rate_limits',
  sql: (d) => `
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  reset_at ${typesFor(d).ms} NOT NULL
);
CREATE INDEX rate_limits_reset ON rate_limits (reset_at);
`,
};

/**
 * Face templates per (tenant, user_identifier) for the identity check (issue 13). `embedding` is
 * a sealed envelope (server/crypto/kek.ts), never the vector in clear.
 */
const identityTemplates: Migration = {
  version: 6,
  name: 'identity_templates',
  sql: (d) => `
CREATE TABLE identity_templates (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  user_identifier TEXT NOT NULL,
  embedding TEXT NOT NULL,
  model TEXT NOT NULL,
  frames INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  created_at ${typesFor(d).ms} NOT NULL
);
CREATE INDEX identity_templates_user ON identity_templates (tenant_id, user_identifier, created_at);
CREATE INDEX identity_templates_created ON identity_templates (created_at);
`,
};

/**
 * Injection resistance (issue 11): one-way fingerprints of each capture's evidence, per tenant,
 * so a later capture that reuses it is refused (`integrity:replayed_evidence`); and when the
 * server revealed each light-challenge step to the page (first reveal wins).
 */
const evidenceFingerprints: Migration = {
  version: 7,
  name: 'evidence_fingerprints and light_reveals',
  sql: (d) => {
    const t = typesFor(d);
    return `
CREATE TABLE evidence_fingerprints (
  tenant_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  attempt_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  created_at ${t.ms} NOT NULL,
  PRIMARY KEY (tenant_id, hash, attempt_id)
);
CREATE INDEX evidence_fingerprints_created ON evidence_fingerprints (created_at);

CREATE TABLE light_reveals (
  attempt_id TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  revealed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (attempt_id, step)
);
`;
  },
};

/** Ordered by version; versions are unique and increasing. */
export const MIGRATIONS: readonly Migration[] = [initial, webhooksQueuedAt, attemptEvidenceBytes, policyFloor, rateLimits, identityTemplates, evidenceFingerprints];
