// ES256 signing keys: generated once and persisted in the store, rotated with overlap.
//
// Timeline of a rotation (RFC 7517 key rollover done the boring way):
//   t0            rotate(): key B inserted, published in the JWKS at once, activates_at = t0 + delay;
//                 key A gets retired_at = B.activates_at (it keeps signing until then).
//   t0 + delay    B signs; A stops.
//   A.retired_at + tokenTtl + grace   A leaves the JWKS: its last tokens have expired.
// Relying parties that cache the JWKS therefore see B before any token signed by B exists.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { openPrivateJwk, sealPrivateJwk } from '../crypto/kek-store.ts';
import type { SecretBox } from '../crypto/kek.ts';
import type { SigningKeyRow, Store } from '../store/types.ts';

export const SIGNING_ALG = 'ES256';
/** How long a new key is published before it signs (relying parties refresh their JWKS meanwhile). */
export const DEFAULT_ACTIVATION_DELAY_S = 300;
/** How long the keyring trusts its in-memory copy of the key table before re-reading the store. */
export const DEFAULT_CACHE_MS = 5_000;
/**
 * Extra time a retired key stays published beyond its last token's expiry: covers other
 * processes still signing from a cache that has not yet seen the rotation, and clock skew.
 */
export const DEFAULT_RETENTION_GRACE_S = 60;

export interface KeyringOptions {
  /** Seals the private keys in the store (the key-encryption key, server/crypto/kek.ts). */
  secrets: SecretBox;
  /** Lifetime of the attestations signed with these keys, in seconds. */
  tokenTtlS: number;
  /** Default delay between rotate() and the new key signing. */
  activationDelayS?: number;
  cacheMs?: number;
  retentionGraceS?: number;
  /** Clock in epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/** The key that signs right now, ready to use. */
export interface ActiveSigningKey {
  kid: string;
  privateKey: CryptoKey;
}

export interface Keyring {
  readonly tokenTtlS: number;
  /** The keyring's clock (epoch ms): signers use it for iat so tests can freeze time once. */
  now(): number;
  /** Makes sure a signing key exists, generating and persisting one on first start. */
  ensureKey(): Promise<SigningKeyRow>;
  /** The newest key whose activation time has come and that is not retired. */
  signingKey(): Promise<ActiveSigningKey>;
  /** Inserts a new key, published now, signing from now + activateInS; retires the current ones then. */
  rotate(options?: { activateInS?: number }): Promise<SigningKeyRow>;
  /** Public keys that may have signed a still-valid token, or will sign soon. */
  jwks(): Promise<JsonWebKeySet>;
  /** All key rows with their state, for `keys list-signing` style displays. */
  describe(): Promise<Array<{ kid: string; created_at: number; activates_at: number; retired_at: number | null; state: 'pending' | 'active' | 'retiring' | 'expired' }>>;
  /** Drops the in-memory copy so the next call re-reads the store. */
  invalidate(): void;
}

export class KeyringError extends Error {
  readonly code: 'invalid_key';
  constructor(code: KeyringError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyringError';
    this.code = code;
  }
}

export function createKeyring(store: Store, options: KeyringOptions): Keyring {
  const tokenTtlS = options.tokenTtlS;
  if (!Number.isFinite(tokenTtlS) || tokenTtlS <= 0) throw new RangeError('tokenTtlS must be a positive number of seconds');
  const activationDelayS = options.activationDelayS ?? DEFAULT_ACTIVATION_DELAY_S;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const graceMs = (options.retentionGraceS ?? DEFAULT_RETENTION_GRACE_S) * 1000;
  const now = options.now ?? Date.now;

  let cached: { rows: SigningKeyRow[]; at: number } | null = null;
  let loading: Promise<SigningKeyRow[]> | null = null;
  let ensuring: Promise<SigningKeyRow> | null = null;
  // Imported CryptoKeys by kid: importing costs far more than signing.
  const privateKeys = new Map<string, Promise<CryptoKey>>();

  async function rows(): Promise<SigningKeyRow[]> {
    if (cached && now() - cached.at < cacheMs && now() >= cached.at) return cached.rows;
    if (!loading) {
      loading = store
        .listSigningKeys()
        .then((list) => {
          cached = { rows: list, at: now() };
          return list;
        })
        .finally(() => {
          loading = null;
        });
    }
    return loading;
  }

  const isSigning = (row: SigningKeyRow, t: number) => row.activates_at <= t && (row.retired_at === null || row.retired_at > t);
  const isPublished = (row: SigningKeyRow, t: number) => row.retired_at === null || row.retired_at + tokenTtlS * 1000 + graceMs > t;
  // Newest first: the latest activation wins; then the later created, then the one not retired.
  const newestFirst = (a: SigningKeyRow, b: SigningKeyRow) =>
    b.activates_at - a.activates_at || b.created_at - a.created_at || Number(a.retired_at !== null) - Number(b.retired_at !== null);

  function currentSigner(list: SigningKeyRow[], t: number): SigningKeyRow | undefined {
    return list.filter((r) => isSigning(r, t)).sort(newestFirst)[0];
  }

  async function generate(activatesAt: number): Promise<SigningKeyRow> {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const createdAt = now();
    const row: SigningKeyRow = {
      kid,
      alg: SIGNING_ALG,
      private_jwk: sealPrivateJwk(options.secrets, kid, { ...privateJwk, kid, alg: SIGNING_ALG, use: 'sig' }),
      public_jwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
      created_at: createdAt,
      activates_at: Math.max(createdAt, activatesAt),
      retired_at: null,
    };
    await store.insertSigningKey(row);
    cached = null;
    return row;
  }

  async function ensureKey(): Promise<SigningKeyRow> {
    // One generation at a time in this process; a second process racing us merely adds a
    // second published key, and the newest one signs.
    if (ensuring) return ensuring;
    ensuring = (async () => {
      // Read the store itself, not the cache: another process may have just created one.
      const list = await store.listSigningKeys();
      cached = { rows: list, at: now() };
      // With nothing signing (first start, or every key retired by hand) sign with a fresh key
      // right away rather than refuse.
      return currentSigner(list, now()) ?? generate(now());
    })().finally(() => {
      ensuring = null;
    });
    return ensuring;
  }

  async function importPrivate(row: SigningKeyRow): Promise<CryptoKey> {
    let key = privateKeys.get(row.kid);
    if (!key) {
      key = Promise.resolve()
        .then(() => importJWK(openPrivateJwk(options.secrets, row) as JWK, SIGNING_ALG))
        .then((k) => {
          if (!(k instanceof CryptoKey)) throw new KeyringError('invalid_key', `signing key ${row.kid} is not an EC private key`);
          return k;
        });
      key.catch(() => privateKeys.delete(row.kid));
      privateKeys.set(row.kid, key);
    }
    return key;
  }

  async function signingKey(): Promise<ActiveSigningKey> {
    let row = currentSigner(await rows(), now());
    if (!row) row = await ensureKey();
    return { kid: row.kid, privateKey: await importPrivate(row) };
  }

  async function rotate(opts: { activateInS?: number } = {}): Promise<SigningKeyRow> {
    const delayS = opts.activateInS ?? activationDelayS;
    if (!Number.isFinite(delayS) || delayS < 0) throw new RangeError('activateInS must be >= 0 seconds');
    const before = await store.listSigningKeys();
    const next = await generate(now() + delayS * 1000);
    // Every key still signing (or scheduled to) stops when the new one starts. The store keeps
    // the first retirement time; a key already retiring later is outranked anyway, because the
    // newest active key is the one that signs.
    for (const row of before) {
      if (row.retired_at === null) await store.retireSigningKey(row.kid, next.activates_at);
    }
    cached = null;
    return next;
  }

  async function jwks(): Promise<JsonWebKeySet> {
    const t = now();
    const keys = (await rows())
      .filter((r) => isPublished(r, t))
      .sort(newestFirst)
      .map((r) => publicJwk(r));
    return { keys };
  }

  async function describe() {
    const t = now();
    const list = await rows();
    const signer = currentSigner(list, t);
    return list
      .slice()
      .sort(newestFirst)
      .map((r) => ({
        kid: r.kid,
        created_at: r.created_at,
        activates_at: r.activates_at,
        retired_at: r.retired_at,
        state: (r.kid === signer?.kid ? 'active' : r.activates_at > t && (r.retired_at === null || r.retired_at > r.activates_at) ? 'pending' : isPublished(r, t) ? 'retiring' : 'expired') as
          | 'pending'
          | 'active'
          | 'retiring'
          | 'expired',
      }));
  }

  return {
    tokenTtlS,
    now,
    ensureKey,
    signingKey,
    rotate,
    jwks,
    describe,
    invalidate() {
      cached = null;
    },
  };
}

/** The public half of a stored key, with only the members a JWKS should carry. */
function publicJwk(row: SigningKeyRow): PublicJwk {
  const { kty, crv, x, y } = row.public_jwk as JWK;
  return { kty, crv, x, y, kid: row.kid, alg: SIGNING_ALG, use: 'sig' };
}
