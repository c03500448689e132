// Signs attestation JWTs with the keyring's current key.
import { SignJWT } from 'jose';
import { ATTESTATION_TYP, type AttestationBody, type AttestationClaims } from './claims.ts';
import { SIGNING_ALG, type Keyring } from './keyring.ts';

export interface AttestationInput {
  iss: string;
  sub: string;
  aud: string | string[];
  jti: string;
  nonce?: string | null;
  attestation: AttestationBody;
  /** Issue time in epoch seconds; defaults to the keyring's clock. */
  iat?: number;
  /** Expiry in epoch seconds; defaults to iat + keyring.tokenTtlS and may not exceed it. */
  exp?: number;
}

export interface SignedAttestation {
  token: string;
  kid: string;
  claims: AttestationClaims;
}

/**
 * Signs one attestation. The lifetime is capped by the keyring's token TTL because a rotated
 * key stays in the JWKS only that long after retirement: a longer-lived token would outlive it.
 */
export async function signAttestation(keyring: Keyring, input: AttestationInput): Promise<SignedAttestation> {
  const { kid, privateKey } = await keyring.signingKey();
  const iat = input.iat ?? Math.floor(keyring.now() / 1000);
  const exp = input.exp ?? iat + keyring.tokenTtlS;
  if (exp <= iat) throw new RangeError('attestation exp must be after iat');
  if (exp - iat > keyring.tokenTtlS) throw new RangeError(`attestation lifetime ${exp - iat}s exceeds the signing key token TTL (${keyring.tokenTtlS}s)`);
  const claims: AttestationClaims = {
    iss: input.iss,
    sub: input.sub,
    aud: input.aud,
    iat,
    nbf: iat,
    exp,
    jti: input.jti,
    ...(input.nonce != null ? { nonce: input.nonce } : {}),
    attestation: input.attestation,
  };
  const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ATTESTATION_TYP }).sign(privateKey);
  return { token, kid, claims };
}
