// The rows of tenants, policies, signing keys, identity templates and webhooks (the session-side
// rows and the Store contract are in types.ts, which re-exports these). A leaf: imports nothing.
// Rows are plain objects; times are epoch milliseconds (numbers); JSON columns are parsed values.

export interface TenantRow {
  id: string;
  name: string;
  created_at: number;
}

export interface PolicyRow {
  id: string;
  tenant_id: string;
  name: string;
  config: Record<string, unknown>; // validated by the policy module, stored as JSON
  /** 1 at creation, +1 on every update (carried in attestations as policy_version). */
  version: number;
  created_at: number;
  updated_at: number;
}

/** A tenant's policy floor (server/policies/floor.ts TenantFloorSchema), one row per tenant. */
export interface TenantPolicyFloorRow {
  tenant_id: string;
  floor: Record<string, unknown>;
  updated_at: number;
}

export interface IdentityTemplateRow {
  id: string;
  tenant_id: string;
  user_identifier: string;
  /** Sealed (kek1 envelope) Float32 embedding; opened only in server/identity. */
  embedding: string;
  /** Model id and version (e.g. mobilefacenet@b7120c09). */
  model: string;
  /** Frames averaged into it. */
  frames: number;
  session_id: string;
  created_at: number;
}

export interface SigningKeyRow {
  kid: string;
  alg: 'ES256';
  /** `{ sealed: "kek1:..." }` (the JWK encrypted with the key-encryption key, server/crypto/kek.ts); a plain JWK only in rows from before encryption, sealed on the next start. */
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: number;
  activates_at: number; // published in the JWKS from created_at, signs from activates_at
  retired_at: number | null; // stops signing; stays published until retired_at + token lifetime
}

export interface WebhookEndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  secret: string; // "kek1:..." sealing whsec_... (needed in clear to sign deliveries, so encrypted, not hashed); never returned after creation
  events: string[]; // empty = all
  enabled: boolean;
  disabled_reason: string | null;
  created_at: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

export interface DeliveryRow {
  id: string; // webhook-id (msg_...)
  endpoint_id: string;
  tenant_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  locked_until: number | null;
}

/** The columns a delivery update may change: DeliveryPatch and the SET clause come from this list. */
export const DELIVERY_PATCH_COLUMNS = [
  'status', 'attempts', 'next_attempt_at', 'last_status_code', 'last_error', 'updated_at', 'locked_until',
] as const satisfies readonly (keyof DeliveryRow)[];
export type DeliveryPatch = Partial<Pick<DeliveryRow, (typeof DELIVERY_PATCH_COLUMNS)[number]>>;

export interface DeliveryAttemptRow {
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}
