// The key-encryption key (KEK): secrets the server must read back in clear (ES256 private keys,
// webhook signing secrets) are stored sealed with AES-256-GCM under it, so a copy of the database
// (a backup, a replica, a stolen disk image) holds no usable secret.
//
// Envelope: `kek1:<key id>:<base64url(12-byte IV | ciphertext | 16-byte tag)>`. The key id (the
// first 8 bytes of SHA-256 of the key, hex) says which key sealed a value, so several keys can be
// loaded at once while a rotation re-seals everything under the newest (kek-store.ts). Each value
// is bound to where it is stored (GCM additional data = a context such as
// `signing_keys.private_jwk:<kid>`): a sealed value copied into another row does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const KEK_VERSION = 'kek1';
export const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE = /^kek1:([0-9a-f]{16}):([A-Za-z0-9_-]+)$/;

export class KekError extends Error {
  readonly code: 'kek_invalid' | 'kek_unknown_key' | 'kek_open_failed';
  constructor(code: KekError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KekError';
    this.code = code;
  }
}

export interface SecretBox {
  /** Id of the key that seals new values. */
  readonly keyId: string;
  /** Ids of every loaded key (the current one first). */
  readonly keyIds: readonly string[];
  seal(plaintext: string, context: string): string;
  /** Opens a sealed value; throws KekError naming the missing key or a failed check. */
  open(sealed: string, context: string): string;
  /** The key id of a sealed value, or null for a value that is not sealed (a row from before encryption). */
  sealedWith(value: string): string | null;
}

export function kekId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Parses one base64 (or base64url) key of exactly 32 bytes; `source` names where it came from. */
export function parseKek(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== KEK_BYTES) {
    throw new KekError('kek_invalid', `${source} is not a key-encryption key: expected ${KEK_BYTES} random bytes in base64 (generate one with \`livegate kek generate\` or \`openssl rand -base64 32\`).`);
  }
  return key;
}

export function generateKek(): Buffer {
  return randomBytes(KEK_BYTES);
}

/** A box sealing with `keys[0]` and opening with any of `keys`. */
export function createSecretBox(keys: readonly Uint8Array[]): SecretBox {
  if (keys.length === 0) throw new KekError('kek_invalid', 'no key-encryption key loaded');
  for (const key of keys) if (key.length !== KEK_BYTES) throw new KekError('kek_invalid', `a key-encryption key must be ${KEK_BYTES} bytes`);
  const byId = new Map<string, Uint8Array>();
  for (const key of keys) if (!byId.has(kekId(key))) byId.set(kekId(key), key);
  const current = keys[0];
  const keyId = kekId(current);

  return {
    keyId,
    keyIds: [...byId.keys()],
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${KEK_VERSION}:${keyId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, context) {
      const match = ENVELOPE.exec(sealed);
      if (!match) throw new KekError('kek_open_failed', `the stored value for ${context} is not a ${KEK_VERSION} envelope`);
      const key = byId.get(match[1]);
      if (!key) {
        throw new KekError(
          'kek_unknown_key',
          `the stored value for ${context} was sealed with key-encryption key ${match[1]}, which is not loaded (loaded: ${[...byId.keys()].join(', ')}); pass that key in LIVEGATE_KEK_PREVIOUS (or its key file) until \`livegate kek rotate\` has re-sealed everything`,
        );
      }
      const raw = Buffer.from(match[2], 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new KekError('kek_open_failed', `the stored value for ${context} is truncated`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new KekError('kek_open_failed', `the stored value for ${context} failed its integrity check (altered, or moved from another row)`, { cause });
      }
    },
    sealedWith(value) {
      return ENVELOPE.exec(value)?.[1] ?? null;
    },
  };
}

/** Opens a sealed value, or returns a value from before encryption as it is. */
export function openOrLegacy(box: SecretBox, value: string, context: string): string {
  return box.sealedWith(value) === null && !value.startsWith(`${KEK_VERSION}:`) ? value : box.open(value, context);
}
