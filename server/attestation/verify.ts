// Relying-party verifier for Livegate attestations (RFC 8725 practice): ES256 only, explicit
// `typ`, issuer/audience/expiry checks, then the action hash and the nonce the relying party
// expects. Kept to jose + action-hash so it can be imported alone:
//
//   import { createAttestationVerifier } from 'livegate/verify';
//   const verifier = createAttestationVerifier({ jwksUrl: 'https://livegate.example/.well-known/jwks.json' },
//                                              { issuer: 'https://livegate.example', audience: 'acme' });
//   // before executing the action the agent asked for (throws unless the verdict is live):
//   const claims = await verifier.verify(token, { action: { description, details }, nonce,
//                                                 require: { riskLevel: 'high', checks: ['cnn'] } });
//
// By default only `verdict: "live"` passes (code verdict_not_live otherwise); `allowSpoof: true`
// accepts a valid spoof token too (for audit tools that show any signed outcome).
// Every failure is an AttestationError with a stable `code`; reuse one verifier so the JWKS is
// fetched once (an unknown kid triggers a refetch, which is how rotated keys are picked up).
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { RiskLevel } from '../../workers/protocol/index.ts';
import { actionSha256 as hashAction } from './action-hash.ts';
import { ATTESTATION_TYP, type AttestationClaims } from './claims.ts';

export type { AttestationBody, AttestationClaims } from './claims.ts';
export { ATTESTATION_TYP } from './claims.ts';

export type AttestationErrorCode =
  | 'malformed'
  | 'alg_not_allowed'
  | 'typ_invalid'
  | 'unknown_kid'
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'action_mismatch'
  | 'nonce_mismatch'
  | 'jwks_unavailable'
  | 'verdict_not_live'
  | 'checks_missing'
  | 'risk_level_too_low'
  | 'identity_not_matched'
  | 'revoked'
  | 'revocation_unavailable';

export class AttestationError extends Error {
  readonly code: AttestationErrorCode;
  constructor(code: AttestationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AttestationError';
    this.code = code;
  }
}

export const ALLOWED_ALGS = ['ES256'] as const;
export const DEFAULT_CLOCK_TOLERANCE_S = 30;
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;

export interface KeySource {
  /** A JWKS object (e.g. read from a file). */
  jwks?: JSONWebKeySet;
  /** The issuer's `/.well-known/jwks.json`; fetched with a timeout, refetched on an unknown kid. */
  jwksUrl?: string | URL;
  /** Fetch implementation for jwksUrl (tests, proxies). */
  fetch?: typeof fetch;
  jwksTimeoutMs?: number;
}

export interface VerifyChecks {
  /** Expected `iss` (the Livegate public URL). */
  issuer?: string;
  /** Accepted `aud` value(s); the token must name at least one. */
  audience?: string | string[];
  /** Expected hex SHA-256 of the canonical action. */
  actionSha256?: string;
  /** The action about to be executed; its hash is recomputed and compared. */
  action?: { description: string; details?: unknown };
  /** The nonce supplied at session creation; the token must echo it. */
  nonce?: string;
  clockToleranceS?: number;
  /** Verification time: epoch seconds, or a Date. */
  now?: number | Date;
  /** Minimums the attested outcome must meet. The verdict must be live unless allowSpoof is set. */
  require?: AttestationRequirements;
  /** Accept a validly signed spoof verdict too (default false: only live passes). */
  allowSpoof?: boolean;
  /**
   * Asks the issuer whether the attestation (by jti) was revoked; called last, after the
   * signature and every claim check passed. Throw to report that the answer is unavailable.
   */
  isRevoked?: (jti: string, claims: AttestationClaims) => Promise<boolean>;
}

export interface AttestationRequirements {
  /** Default 'live'. */
  verdict?: 'live';
  /** Checks the effective policy must have required (attestation.required_checks). */
  checks?: readonly string[];
  /** Lowest acceptable risk level ('high' refuses standard). */
  riskLevel?: RiskLevel;
  /** `{ status: 'matched' }`: the face matched the user's enrolled template (attestation.identity). */
  identity?: { status: 'matched' };
}

const RISK_ORDER: Record<string, number> = { standard: 0, high: 1 };

export type VerifyOptions = KeySource & VerifyChecks;

export type CheckResult =
  | { valid: true; claims: AttestationClaims }
  | { valid: false; reason: AttestationErrorCode; message: string; claims?: Record<string, unknown> };

export interface AttestationVerifier {
  verify(token: string, checks?: VerifyChecks): Promise<AttestationClaims>;
  check(token: string, checks?: VerifyChecks): Promise<CheckResult>;
}

/** Marks failures while resolving keys, so they are told apart from signature failures. */
class KeyResolutionFailure extends Error {}

/**
 * A verifier bound to one key source. Reuse it: with a jwksUrl it caches the JWKS
 * (jose's remote set refetches on an unknown kid, so rotations are picked up).
 */
export function createAttestationVerifier(source: KeySource, defaults: VerifyChecks = {}): AttestationVerifier {
  const getKey = keyResolver(source);
  const verify = (token: string, checks: VerifyChecks = {}) => verifyWith(getKey, token, { ...defaults, ...checks });
  return {
    verify,
    async check(token, checks) {
      try {
        return { valid: true, claims: await verify(token, checks) };
      } catch (err) {
        return failure(token, err);
      }
    },
  };
}

/** Verifies one token; resolves to its claims or throws AttestationError. */
export async function verifyAttestation(token: string, options: VerifyOptions): Promise<AttestationClaims> {
  return createAttestationVerifier(options).verify(token, options);
}

/** Like verifyAttestation, but reports instead of throwing (for tools that show the outcome). */
export async function checkAttestation(token: string, options: VerifyOptions): Promise<CheckResult> {
  try {
    return { valid: true, claims: await verifyAttestation(token, options) };
  } catch (err) {
    return failure(token, err);
  }
}

function failure(token: string, err: unknown): CheckResult {
  const e = err instanceof AttestationError ? err : new AttestationError('malformed', String((err as Error)?.message ?? err), { cause: err });
  let claims: Record<string, unknown> | undefined;
  try {
    claims = decodeJwt(token) as Record<string, unknown>;
  } catch {
    claims = undefined;
  }
  return { valid: false, reason: e.code, message: e.message, ...(claims ? { claims } : {}) };
}

function keyResolver(source: KeySource): JWTVerifyGetKey {
  let inner: JWTVerifyGetKey;
  if (source.jwks && source.jwksUrl) throw new TypeError('pass either jwks or jwksUrl, not both');
  if (source.jwks) {
    if (!Array.isArray(source.jwks.keys)) throw new AttestationError('jwks_unavailable', 'the JWKS has no "keys" array');
    inner = createLocalJWKSet(source.jwks);
  } else if (source.jwksUrl) {
    const options: Parameters<typeof createRemoteJWKSet>[1] = { timeoutDuration: source.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS };
    if (source.fetch) options[customFetch] = source.fetch as unknown as FetchImplementation;
    inner = createRemoteJWKSet(new URL(source.jwksUrl), options);
  } else {
    throw new TypeError('verifyAttestation needs jwks or jwksUrl');
  }
  return async (header, input) => {
    try {
      return await inner(header, input);
    } catch (err) {
      throw new KeyResolutionFailure('key resolution failed', { cause: err });
    }
  };
}

async function verifyWith(getKey: JWTVerifyGetKey, token: string, checks: VerifyChecks): Promise<AttestationClaims> {
  if (typeof token !== 'string' || token.split('.').length !== 3) throw new AttestationError('malformed', 'not a compact JWS (three dot-separated parts)');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw new AttestationError('malformed', 'the JWT header is not valid base64url JSON', { cause: err });
  }
  // Header checks before any key is touched: alg confusion (none, HS256 keyed with the public
  // key) never reaches a verification primitive.
  if (typeof header.alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(header.alg)) {
    throw new AttestationError('alg_not_allowed', `alg ${JSON.stringify(header.alg)} is not allowed; only ES256`);
  }
  if (typeof header.typ !== 'string' || normaliseTyp(header.typ) !== ATTESTATION_TYP) {
    throw new AttestationError('typ_invalid', `typ ${JSON.stringify(header.typ)} is not ${ATTESTATION_TYP}`);
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw new AttestationError('malformed', 'the JWT header has no kid');
  if (header.crit !== undefined) throw new AttestationError('malformed', 'unsupported crit header');

  let payload: Record<string, unknown>;
  try {
    const result = await jwtVerify(token, getKey, {
      algorithms: [...ALLOWED_ALGS],
      typ: ATTESTATION_TYP,
      ...(checks.issuer !== undefined ? { issuer: checks.issuer } : {}),
      ...(checks.audience !== undefined ? { audience: checks.audience } : {}),
      clockTolerance: checks.clockToleranceS ?? DEFAULT_CLOCK_TOLERANCE_S,
      ...(checks.now !== undefined ? { currentDate: checks.now instanceof Date ? checks.now : new Date(checks.now * 1000) } : {}),
      requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
    });
    payload = result.payload as Record<string, unknown>;
  } catch (err) {
    throw translate(err, header.kid);
  }

  const attestation = payload.attestation as Record<string, unknown> | undefined;
  if (typeof attestation !== 'object' || attestation === null || typeof attestation.action_sha256 !== 'string') {
    throw new AttestationError('malformed', 'the token has no attestation claim with an action_sha256');
  }
  if (checks.actionSha256 !== undefined && attestation.action_sha256 !== checks.actionSha256.toLowerCase()) {
    throw new AttestationError('action_mismatch', 'the attested action_sha256 differs from the expected one');
  }
  if (checks.action !== undefined && attestation.action_sha256 !== hashAction(checks.action.description, checks.action.details)) {
    throw new AttestationError('action_mismatch', 'the attested action is not the action about to be executed');
  }
  if (checks.nonce !== undefined && payload.nonce !== checks.nonce) {
    throw new AttestationError('nonce_mismatch', payload.nonce === undefined ? 'the token carries no nonce' : 'the token nonce differs from the expected one');
  }
  enforceRequirements(attestation, checks);
  const claims = payload as unknown as AttestationClaims;
  if (checks.isRevoked) {
    let revoked: boolean;
    try {
      revoked = await checks.isRevoked(claims.jti, claims);
    } catch (err) {
      throw new AttestationError('revocation_unavailable', `could not ask the issuer whether the attestation was revoked: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    if (revoked) throw new AttestationError('revoked', `attestation ${claims.jti} was revoked by its issuer`);
  }
  return claims;
}

/**
 * Whether an attested outcome (the `attestation` claim of a token whose signature already
 * verified) meets the requirements: null when it does, else the error verifyAttestation throws.
 */
export function attestationShortfall(attestation: Record<string, unknown>, checks: Pick<VerifyChecks, 'require' | 'allowSpoof'>): AttestationError | null {
  try {
    enforceRequirements(attestation, checks);
    return null;
  } catch (err) {
    return err as AttestationError;
  }
}

/** The verdict (live unless allowSpoof), the required checks and the risk level. */
function enforceRequirements(attestation: Record<string, unknown>, checks: Pick<VerifyChecks, 'require' | 'allowSpoof'>): void {
  const require = checks.require ?? {};
  if (!checks.allowSpoof && (require.verdict ?? 'live') === 'live' && attestation.verdict !== 'live') {
    throw new AttestationError('verdict_not_live', `the attested verdict is ${JSON.stringify(attestation.verdict)}, not "live" (the signature is valid): do not proceed`);
  }
  if (require.checks?.length) {
    const required = Array.isArray(attestation.required_checks) ? (attestation.required_checks as unknown[]) : [];
    const missing = require.checks.filter((c) => !required.includes(c));
    if (missing.length) {
      throw new AttestationError('checks_missing', `the verification did not require ${missing.join(', ')} (it required ${required.join(', ') || 'nothing listed'})`);
    }
  }
  if (require.riskLevel !== undefined) {
    const level = attestation.risk_level;
    if (typeof level !== 'string' || !(level in RISK_ORDER) || RISK_ORDER[level] < RISK_ORDER[require.riskLevel]) {
      throw new AttestationError('risk_level_too_low', `the verification ran at risk level ${JSON.stringify(level)}; ${require.riskLevel} is required`);
    }
  }
  if (require.identity) {
    const identity = attestation.identity as { status?: unknown } | undefined;
    const status = typeof identity === 'object' && identity !== null ? identity.status : undefined;
    if (status !== require.identity.status) {
      throw new AttestationError('identity_not_matched', `the face was not matched to the user's enrolled template (identity status ${JSON.stringify(status ?? null)}; ${require.identity.status} is required)`);
    }
  }
}

/** RFC 7515 §4.1.9: media types compare case-insensitively and may omit "application/". */
function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function translate(err: unknown, kid: string): AttestationError {
  if (err instanceof KeyResolutionFailure) {
    const cause = err.cause;
    if (cause instanceof errors.JWKSNoMatchingKey) return new AttestationError('unknown_kid', `no key ${kid} in the JWKS`, { cause });
    if (cause instanceof errors.JOSEAlgNotAllowed) return new AttestationError('alg_not_allowed', 'the key does not allow ES256', { cause });
    return new AttestationError('jwks_unavailable', `the JWKS could not be loaded: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new AttestationError('signature_invalid', 'the signature does not verify', { cause: err });
  if (err instanceof errors.JWKSMultipleMatchingKeys) return new AttestationError('signature_invalid', 'the signature does not verify with any key for this kid', { cause: err });
  if (err instanceof errors.JWTExpired) return new AttestationError('expired', 'the token has expired', { cause: err });
  if (err instanceof errors.JOSEAlgNotAllowed) return new AttestationError('alg_not_allowed', err.message, { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing' || err.reason === 'invalid') return new AttestationError('malformed', err.message, { cause: err });
    switch (err.claim) {
      case 'nbf':
      case 'iat':
        return new AttestationError('not_yet_valid', 'the token is not valid yet', { cause: err });
      case 'iss':
        return new AttestationError('issuer_mismatch', 'the token was issued by another issuer', { cause: err });
      case 'aud':
        return new AttestationError('audience_mismatch', 'the token is meant for another audience', { cause: err });
      case 'typ':
        return new AttestationError('typ_invalid', err.message, { cause: err });
      default:
        return new AttestationError('malformed', err.message, { cause: err });
    }
  }
  return new AttestationError('malformed', (err as Error)?.message ?? String(err), { cause: err });
}
