// Secrets at rest in the store: how the ES256 private keys and webhook secrets are sealed, and
// re-sealing every stored secret under the current key-encryption key (plaintext rows from before
// encryption on the first start after an upgrade, rows under an older key after a rotation).
import type { SigningKeyRow, Store } from '../store/types.ts';
import { openOrLegacy, type SecretBox } from './kek.ts';

export const signingKeyContext = (kid: string) => `signing_keys.private_jwk:${kid}`;
export const webhookSecretContext = (endpointId: string) => `webhook_endpoints.secret:${endpointId}`;

/** The stored form of a private JWK: `{ sealed: "kek1:..." }`. */
export function sealPrivateJwk(box: SecretBox, kid: string, jwk: Record<string, unknown>): Record<string, unknown> {
  return { sealed: box.seal(JSON.stringify(jwk), signingKeyContext(kid)) };
}

/** The private JWK of a row: opened, or as stored in a row from before encryption. */
export function openPrivateJwk(box: SecretBox, row: Pick<SigningKeyRow, 'kid' | 'private_jwk'>): Record<string, unknown> {
  const sealed = row.private_jwk.sealed;
  if (typeof sealed !== 'string') return row.private_jwk;
  return JSON.parse(box.open(sealed, signingKeyContext(row.kid))) as Record<string, unknown>;
}

export const sealWebhookSecret = (box: SecretBox, endpointId: string, secret: string) => box.seal(secret, webhookSecretContext(endpointId));
export const openWebhookSecret = (box: SecretBox, endpointId: string, stored: string) => openOrLegacy(box, stored, webhookSecretContext(endpointId));

export interface ResealResult {
  /** Rows that held a plaintext secret (from before encryption). */
  plaintext: { signingKeys: number; webhookSecrets: number };
  /** Rows sealed under an older key, now under the current one. */
  rotated: { signingKeys: number; webhookSecrets: number };
}

/**
 * Seals every stored secret that is not yet sealed under the box's current key. Idempotent; safe
 * with several processes at once (each writes a valid sealing of the same value). Throws KekError
 * when a value was sealed under a key that is not loaded.
 */
export async function resealSecrets(store: Store, box: SecretBox): Promise<ResealResult> {
  const result: ResealResult = { plaintext: { signingKeys: 0, webhookSecrets: 0 }, rotated: { signingKeys: 0, webhookSecrets: 0 } };
  for (const row of await store.listSigningKeys()) {
    const sealed = row.private_jwk.sealed;
    const under = typeof sealed === 'string' ? box.sealedWith(sealed) : null;
    if (under === box.keyId) continue;
    await store.setSigningKeyPrivateJwk(row.kid, sealPrivateJwk(box, row.kid, openPrivateJwk(box, row)));
    if (under === null) result.plaintext.signingKeys++;
    else result.rotated.signingKeys++;
  }
  for (const row of await store.listAllWebhookEndpoints()) {
    const under = box.sealedWith(row.secret);
    if (under === box.keyId) continue;
    await store.setWebhookSecret(row.id, sealWebhookSecret(box, row.id, openWebhookSecret(box, row.id, row.secret)));
    if (under === null) result.plaintext.webhookSecrets++;
    else result.rotated.webhookSecrets++;
  }
  const rewritten = Object.values(result.plaintext).concat(Object.values(result.rotated)).some((n) => n > 0);
  if (rewritten) await store.scrubRewrittenSecrets();
  return result;
}
