// Column lists per table, with the columns that need converting between JS values and the
// database (JSON, booleans, bytes). Column names equal the row field names in types.ts.

export type ColumnKind = 'json' | 'bool' | 'bytes';

export interface TableSpec {
  name: string;
  columns: readonly string[];
  kinds: Readonly<Record<string, ColumnKind>>;
}

function table(name: string, columns: string[], kinds: Record<string, ColumnKind> = {}): TableSpec {
  return { name, columns, kinds };
}

export const TENANTS = table('tenants', ['id', 'name', 'created_at']);

export const API_KEYS = table(
  'api_keys',
  ['id', 'tenant_id', 'name', 'key_hash', 'scopes', 'created_at', 'revoked_at', 'last_used_at'],
  { scopes: 'json' },
);

export const POLICIES = table('policies', ['id', 'tenant_id', 'name', 'config', 'version', 'created_at', 'updated_at'], {
  config: 'json',
});

export const TENANT_POLICY_FLOORS = table('tenant_policy_floors', ['tenant_id', 'floor', 'updated_at'], { floor: 'json' });

export const SESSIONS = table(
  'sessions',
  [
    'id', 'tenant_id', 'status', 'action_description', 'action_details', 'action_sha256', 'risk_level',
    'frame_count', 'timeout_s', 'max_attempts', 'attempts_used', 'user_identifier', 'audience', 'nonce',
    'policy_id', 'policy', 'metadata', 'capture_token_hash', 'idempotency_key', 'request_hash', 'verdict',
    'failure_reasons', 'cancel_reason', 'created_at', 'expires_at', 'opened_at', 'completed_at', 'updated_at',
    'webhooks_queued_at',
  ],
  { action_details: 'json', policy: 'json', metadata: 'json', failure_reasons: 'json' },
);

export const ATTEMPTS = table(
  'attempts',
  [
    'id', 'session_id', 'number', 'status', 'nonce', 'plan', 'light_challenge', 'device_profile',
    'client_summary', 'result', 'started_at', 'finished_at',
  ],
  { plan: 'json', light_challenge: 'json', device_profile: 'json', client_summary: 'json', result: 'json' },
);

export const EVIDENCE_CHUNKS = table('evidence_chunks', ['attempt_id', 'seq', 'sha256', 'bytes', 'received_at'], {
  bytes: 'bytes',
});

export const ATTESTATIONS = table(
  'attestations',
  ['jti', 'tenant_id', 'session_id', 'kid', 'token', 'claims', 'issued_at', 'expires_at', 'revoked_at', 'revoke_reason'],
  { claims: 'json' },
);

/** Without `id`: the database assigns it. */
export const AUDIT_EVENTS = table('audit_events', ['session_id', 'tenant_id', 'type', 'at', 'data'], { data: 'json' });

export const REVIEWS = table('reviews', ['id', 'session_id', 'tenant_id', 'kind', 'message', 'decision', 'created_at']);

export const SIGNING_KEYS = table(
  'signing_keys',
  ['kid', 'alg', 'private_jwk', 'public_jwk', 'created_at', 'activates_at', 'retired_at'],
  { private_jwk: 'json', public_jwk: 'json' },
);

export const WEBHOOK_ENDPOINTS = table(
  'webhook_endpoints',
  ['id', 'tenant_id', 'url', 'secret', 'events', 'enabled', 'disabled_reason', 'created_at'],
  { events: 'json', enabled: 'bool' },
);

export const WEBHOOK_DELIVERIES = table(
  'webhook_deliveries',
  [
    'id', 'endpoint_id', 'tenant_id', 'event_type', 'payload', 'status', 'attempts', 'next_attempt_at',
    'last_status_code', 'last_error', 'created_at', 'updated_at', 'locked_until',
  ],
  { payload: 'json' },
);

export const WEBHOOK_DELIVERY_ATTEMPTS = table(
  'webhook_delivery_attempts',
  ['delivery_id', 'attempt', 'at', 'status_code', 'error', 'duration_ms'],
);
