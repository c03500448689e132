// API keys: shown once, stored as SHA-256, compared in constant time.
// Format: lg_<id>_<secret>; the id is the lookup key, the whole string is hashed.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import { ALL_SCOPES, type ApiKeyRow, type Scope, type Store } from '../store/types.ts';

const KEY_PATTERN = /^lg_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const TOUCH_INTERVAL_MS = 60_000;
/**
 * How long a looked-up key row is reused without asking the store again. Every request still
 * hashes and compares the presented secret; only the row is cached, so a key revoked from the
 * CLI (another process) stops working within this delay.
 */
export const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 10_000;

export interface AuthContext {
  tenantId: string;
  keyId: string;
  scopes: readonly Scope[];
}

export interface CreatedApiKey {
  id: string;
  key: string;
  scopes: Scope[];
  tenant: string;
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function parseScopes(value: string | readonly string[] | undefined): Scope[] {
  const list = typeof value === 'string' ? value.split(',') : (value ?? []);
  const scopes = list.map((s) => s.trim()).filter(Boolean);
  for (const scope of scopes) {
    if (!ALL_SCOPES.includes(scope as Scope)) {
      throw new AppError('invalid_request', `Unknown scope "${scope}".`, { hint: `Scopes are ${ALL_SCOPES.join(', ')}.` });
    }
  }
  return [...new Set(scopes)] as Scope[];
}

/** A key with no scopes has all of them. */
export function effectiveScopes(row: Pick<ApiKeyRow, 'scopes'>): readonly Scope[] {
  return row.scopes.length === 0 ? ALL_SCOPES : row.scopes;
}

function randomId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(16);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

export async function createApiKey(
  store: Store,
  input: { name: string; scopes?: Scope[]; tenantId: string; now?: number },
): Promise<CreatedApiKey> {
  const tenant = await store.getTenant(input.tenantId);
  if (!tenant) throw new AppError('invalid_request', `Tenant "${input.tenantId}" does not exist.`, { hint: 'Create keys for an existing tenant, or omit --tenant.' });
  const id = randomId();
  const key = `lg_${id}_${randomBytes(32).toString('base64url')}`;
  const scopes = input.scopes ?? [];
  await store.insertApiKey({
    id,
    tenant_id: tenant.id,
    name: input.name,
    key_hash: hashSecret(key),
    scopes,
    created_at: input.now ?? Date.now(),
    revoked_at: null,
    last_used_at: null,
  });
  return { id, key, scopes, tenant: tenant.id };
}

/**
 * Resolves a presented key to its tenant and scopes, or throws 401.
 * last_used_at is written at most once a minute per key to keep reads cheap.
 */
export function createApiKeyAuthenticator(store: Store, now: () => number = Date.now) {
  const lastTouched = new Map<string, number>();
  const rows = new Map<string, { row: ApiKeyRow; until: number }>();
  async function lookup(id: string): Promise<ApiKeyRow | null> {
    const at = now();
    const hit = rows.get(id);
    if (hit && hit.until > at) return hit.row;
    const row = await store.getApiKey(id);
    if (rows.size >= KEY_CACHE_MAX) rows.clear();
    if (row) rows.set(id, { row, until: at + KEY_CACHE_MS });
    else rows.delete(id);
    return row;
  }
  return async function authenticate(presented: string | undefined): Promise<AuthContext> {
    if (!presented) throw new AppError('unauthorized', 'An API key is required.');
    const match = KEY_PATTERN.exec(presented);
    const row = match ? await lookup(match[1]) : null;
    const expected = Buffer.from(row?.key_hash ?? '0'.repeat(64), 'hex');
    const actual = Buffer.from(hashSecret(presented), 'hex');
    // Compare even when the row is missing so timing does not reveal which key ids exist.
    const equal = timingSafeEqual(expected, actual);
    if (!row || !equal || row.revoked_at !== null) throw new AppError('unauthorized', 'The API key is invalid or revoked.');
    const at = now();
    if ((lastTouched.get(row.id) ?? 0) + TOUCH_INTERVAL_MS < at) {
      lastTouched.set(row.id, at);
      await store.touchApiKey(row.id, at);
    }
    return { tenantId: row.tenant_id, keyId: row.id, scopes: effectiveScopes(row) };
  };
}

export function requireScopeOf(auth: AuthContext, scope: Scope): void {
  if (!auth.scopes.includes(scope)) {
    throw new AppError('insufficient_scope', `This API key lacks the "${scope}" scope.`, { details: { required_scope: scope } });
  }
}

/** Extracts a key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' && header.trim() ? header.trim() : undefined;
}
