import { createHmac, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, base64url, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionSha256 } from '../../../server/attestation/action-hash.ts';
import { createKeyring, type JsonWebKeySet, type Keyring } from '../../../server/attestation/keyring.ts';
import { signAttestation, type SignedAttestation } from '../../../server/attestation/sign.ts';
import {
  AttestationError,
  checkAttestation,
  createAttestationVerifier,
  verifyAttestation,
  type AttestationErrorCode,
  type VerifyOptions,
} from '../../../server/attestation/verify.ts';
import type { Store } from '../../../server/store/types.ts';
import { ACTION, attestationBody, manualClock, tempDb, type TempDb } from './helpers.ts';
import { testSecrets } from '../../helpers/kek.ts';

const ISS = 'https://livegate.test';
const TTL_S = 600;

let db: TempDb;
let otherDb: TempDb;
let store: Store;
let keyring: Keyring;
let otherKeyring: Keyring;
let jwks: JsonWebKeySet;
let signed: SignedAttestation;
const clock = manualClock();

function encodePart(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

async function expectCode(token: string, options: Partial<VerifyOptions>, code: AttestationErrorCode) {
  const err = await verifyAttestation(token, { jwks, now: clock.seconds, ...options } as VerifyOptions).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AttestationError);
  expect((err as AttestationError).code).toBe(code);
  expect((err as AttestationError).message.length).toBeGreaterThan(0);
}

beforeAll(async () => {
  db = await tempDb();
  otherDb = await tempDb();
  store = await db.open();
  keyring = createKeyring(store, { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now });
  otherKeyring = createKeyring(await otherDb.open(), { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now });
  await keyring.ensureKey();
  jwks = await keyring.jwks();
  signed = await signAttestation(keyring, { iss: ISS, sub: 'alice@example.com', aud: 'acme', jti: 'sess-1', nonce: 'n-123', attestation: attestationBody() });
});

afterAll(async () => {
  await db.cleanup();
  await otherDb.cleanup();
});

describe('signAttestation', () => {
  it('produces an ES256 JWT with kid and the livegate typ, and the documented claims', () => {
    const [h, p] = signed.token.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'ES256', kid: signed.kid, typ: 'livegate-attestation+jwt' });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(claims).toMatchObject({ iss: ISS, sub: 'alice@example.com', aud: 'acme', jti: 'sess-1', nonce: 'n-123', iat: clock.seconds, nbf: clock.seconds, exp: clock.seconds + TTL_S });
    expect(claims.attestation).toEqual(attestationBody());
  });

  it('leaves nonce out when none was supplied', async () => {
    const t = await signAttestation(keyring, { iss: ISS, sub: 's', aud: 'acme', jti: 'j', nonce: null, attestation: attestationBody() });
    expect(t.claims).not.toHaveProperty('nonce');
  });
});

describe('verifyAttestation', () => {
  it('accepts a genuine token with every check given', async () => {
    const claims = await verifyAttestation(signed.token, {
      jwks,
      issuer: ISS,
      audience: 'acme',
      actionSha256: actionSha256(ACTION.description, ACTION.details),
      action: ACTION,
      nonce: 'n-123',
      now: clock.seconds,
    });
    expect(claims.jti).toBe('sess-1');
    expect(claims.attestation.verdict).toBe('live');
  });

  it('accepts an audience list naming the token audience', async () => {
    await expect(verifyAttestation(signed.token, { jwks, audience: ['other', 'acme'], now: clock.seconds })).resolves.toMatchObject({ aud: 'acme' });
  });

  it('rejects another audience', () => expectCode(signed.token, { audience: 'evil-corp' }, 'audience_mismatch'));
  it('rejects another issuer', () => expectCode(signed.token, { issuer: 'https://other.test' }, 'issuer_mismatch'));
  it('rejects another action hash', () => expectCode(signed.token, { actionSha256: actionSha256('Wire $50,000 to ACME GmbH', ACTION.details) }, 'action_mismatch'));
  it('rejects another action (recomputed)', () =>
    expectCode(signed.token, { action: { description: ACTION.description, details: { ...ACTION.details, amount: 50000 } } }, 'action_mismatch'));
  it('rejects another nonce', () => expectCode(signed.token, { nonce: 'n-999' }, 'nonce_mismatch'));

  it('rejects a missing nonce when one is expected', async () => {
    const t = await signAttestation(keyring, { iss: ISS, sub: 's', aud: 'acme', jti: 'j2', attestation: attestationBody() });
    await expectCode(t.token, { nonce: 'n-123' }, 'nonce_mismatch');
  });

  it('rejects an expired token and one not yet valid', async () => {
    await expectCode(signed.token, { now: clock.seconds + TTL_S + 31 }, 'expired');
    await expectCode(signed.token, { now: clock.seconds + TTL_S + 1, clockToleranceS: 0 }, 'expired');
    await expectCode(signed.token, { now: clock.seconds - 120, clockToleranceS: 0 }, 'not_yet_valid');
  });

  it('rejects a tampered payload', async () => {
    const [h, p, s] = signed.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.attestation.verdict = 'live';
    claims.attestation.action_sha256 = actionSha256('Wire $50,000 to Mallory');
    await expectCode([h, encodePart(claims), s].join('.'), {}, 'signature_invalid');
  });

  it('rejects a tampered signature', async () => {
    const [h, p, s] = signed.token.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 0x01;
    await expectCode([h, p, sig.toString('base64url')].join('.'), {}, 'signature_invalid');
  });

  it('rejects alg none', async () => {
    const [, p] = signed.token.split('.');
    const token = `${encodePart({ alg: 'none', typ: 'livegate-attestation+jwt', kid: signed.kid })}.${p}.`;
    await expectCode(token, {}, 'alg_not_allowed');
  });

  it('rejects HS256 keyed with the public key (algorithm confusion)', async () => {
    const [, p] = signed.token.split('.');
    const publicJwk = jwks.keys[0] as JWK;
    const pem = createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [pem, JSON.stringify(publicJwk)]) {
      const h = encodePart({ alg: 'HS256', typ: 'livegate-attestation+jwt', kid: signed.kid });
      const mac = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
      await expectCode(`${h}.${p}.${mac}`, {}, 'alg_not_allowed');
    }
  });

  it('rejects a validly signed token with the wrong typ', async () => {
    const { privateKey, kid } = await keyring.signingKey();
    const token = await new SignJWT({ ...signed.claims }).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey);
    await expectCode(token, {}, 'typ_invalid');
    const untyped = await new SignJWT({ ...signed.claims }).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
    await expectCode(untyped, {}, 'typ_invalid');
  });

  it('accepts the typ written as a full media type (RFC 7515)', async () => {
    const { privateKey, kid } = await keyring.signingKey();
    const token = await new SignJWT({ ...signed.claims }).setProtectedHeader({ alg: 'ES256', kid, typ: 'application/Livegate-Attestation+JWT' }).sign(privateKey);
    await expect(verifyAttestation(token, { jwks, now: clock.seconds })).resolves.toMatchObject({ jti: 'sess-1' });
  });

  it('rejects a token from a key not in the JWKS', async () => {
    const foreign = await signAttestation(otherKeyring, { iss: ISS, sub: 's', aud: 'acme', jti: 'j3', attestation: attestationBody() });
    await expectCode(foreign.token, {}, 'unknown_kid');
  });

  it('rejects a foreign key claiming a published kid', async () => {
    const { privateKey } = await otherKeyring.signingKey();
    const token = await new SignJWT({ ...signed.claims }).setProtectedHeader({ alg: 'ES256', kid: signed.kid, typ: 'livegate-attestation+jwt' }).sign(privateKey);
    await expectCode(token, {}, 'signature_invalid');
  });

  it('rejects malformed input', async () => {
    await expectCode('not-a-jwt', {}, 'malformed');
    await expectCode('a.b.c', {}, 'malformed');
    const [, p, s] = signed.token.split('.');
    await expectCode(`${encodePart({ alg: 'ES256', typ: 'livegate-attestation+jwt' })}.${p}.${s}`, {}, 'malformed'); // no kid
  });

  it('rejects a signed token without an attestation claim', async () => {
    const { privateKey, kid } = await keyring.signingKey();
    const { attestation: _omit, ...rest } = signed.claims;
    const token = await new SignJWT({ ...rest }).setProtectedHeader({ alg: 'ES256', kid, typ: 'livegate-attestation+jwt' }).sign(privateKey);
    await expectCode(token, {}, 'malformed');
  });
});

describe('verifyAttestation: requirements on the attested outcome', () => {
  let spoof: SignedAttestation;
  let highLive: SignedAttestation;
  beforeAll(async () => {
    spoof = await signAttestation(keyring, { iss: ISS, sub: 's', aud: 'acme', jti: 'sess-spoof', nonce: null, attestation: attestationBody({ verdict: 'spoof', score: 12 }) });
    highLive = await signAttestation(keyring, {
      iss: ISS,
      sub: 's',
      aud: 'acme',
      jti: 'sess-high',
      nonce: null,
      attestation: attestationBody({ risk_level: 'high', required_checks: ['pulse', 'cnn', 'light_challenge', 'motion'], light_challenge: true }),
    });
  });

  it('refuses a validly signed spoof verdict by default (verdict_not_live), and accepts it with allowSpoof', async () => {
    await expectCode(spoof.token, {}, 'verdict_not_live');
    await expectCode(spoof.token, { require: { verdict: 'live' } }, 'verdict_not_live');
    const err = await verifyAttestation(spoof.token, { jwks, now: clock.seconds }).catch((e: AttestationError) => e);
    expect((err as AttestationError).message).toContain('"spoof"');
    await expect(verifyAttestation(spoof.token, { jwks, now: clock.seconds, allowSpoof: true })).resolves.toMatchObject({ jti: 'sess-spoof', attestation: { verdict: 'spoof' } });
    expect(await checkAttestation(spoof.token, { jwks, now: clock.seconds })).toMatchObject({ valid: false, reason: 'verdict_not_live', claims: { jti: 'sess-spoof' } });
  });

  it('requires named checks among the attested required_checks (checks_missing)', async () => {
    await expect(verifyAttestation(highLive.token, { jwks, now: clock.seconds, require: { checks: ['light_challenge', 'cnn'] } })).resolves.toMatchObject({ jti: 'sess-high' });
    // The standard fixture names no required_checks at all (a token from before the field).
    await expectCode(signed.token, { require: { checks: ['cnn'] } }, 'checks_missing');
    const standard = await signAttestation(keyring, { iss: ISS, sub: 's', aud: 'acme', jti: 'sess-std', nonce: null, attestation: attestationBody({ required_checks: ['pulse', 'cnn', 'motion'] }) });
    await expectCode(standard.token, { require: { checks: ['light_challenge'] } }, 'checks_missing');
  });

  it('requires a risk level (risk_level_too_low)', async () => {
    await expectCode(signed.token, { require: { riskLevel: 'high' } }, 'risk_level_too_low');
    await expect(verifyAttestation(highLive.token, { jwks, now: clock.seconds, require: { riskLevel: 'high' } })).resolves.toMatchObject({ jti: 'sess-high' });
    await expect(verifyAttestation(signed.token, { jwks, now: clock.seconds, require: { riskLevel: 'standard' } })).resolves.toMatchObject({ jti: 'sess-1' });
  });

  it("requires the face to have matched the user's template (identity_not_matched)", async () => {
    const signedWith = async (jti: string, extra: Record<string, unknown>) =>
      (await signAttestation(keyring, { iss: ISS, sub: 'alice', aud: 'acme', jti, nonce: null, attestation: { ...attestationBody(), ...extra } as never })).token;
    const comparison = { match_found: true, similarity_score: 0.81, comparison_count: 2 };
    const matched = await signedWith('sess-id-1', { identity: { status: 'matched', model: 'mobilefacenet@b7120c09' }, facemesh_comparison: comparison });
    await expect(verifyAttestation(matched, { jwks, now: clock.seconds, require: { identity: { status: 'matched' } } })).resolves.toMatchObject({ attestation: { identity: { status: 'matched' } } });
    for (const status of ['enrolled', 'mismatch', 'inconclusive']) {
      const token = await signedWith(`sess-id-${status}`, { identity: { status, model: 'mobilefacenet@b7120c09' }, facemesh_comparison: { ...comparison, match_found: false } });
      await expectCode(token, { require: { identity: { status: 'matched' } } }, 'identity_not_matched');
    }
    // No identity claim at all (identity off): refused too, not waved through.
    await expectCode(signed.token, { require: { identity: { status: 'matched' } } }, 'identity_not_matched');
  });

  it('asks isRevoked last and refuses a revoked token (revoked), or one it could not check (revocation_unavailable)', async () => {
    const asked: string[] = [];
    await expectCode(signed.token, { isRevoked: async (jti) => (asked.push(jti), true) }, 'revoked');
    expect(asked).toEqual(['sess-1']);
    await expect(verifyAttestation(signed.token, { jwks, now: clock.seconds, isRevoked: async () => false })).resolves.toMatchObject({ jti: 'sess-1' });
    await expectCode(signed.token, { isRevoked: async () => Promise.reject(new Error('issuer down')) }, 'revocation_unavailable');
    // A spoof is refused before the issuer is asked.
    let called = false;
    await expectCode(spoof.token, { isRevoked: async () => ((called = true), false) }, 'verdict_not_live');
    expect(called).toBe(false);
  });
});

describe('checkAttestation', () => {
  it('reports validity without throwing', async () => {
    const ok = await checkAttestation(signed.token, { jwks, audience: 'acme', now: clock.seconds });
    expect(ok).toMatchObject({ valid: true, claims: { jti: 'sess-1' } });
    const bad = await checkAttestation(signed.token, { jwks, audience: 'other', now: clock.seconds });
    expect(bad).toMatchObject({ valid: false, reason: 'audience_mismatch', claims: { aud: 'acme', jti: 'sess-1' } });
    const garbage = await checkAttestation('x', { jwks });
    expect(garbage).toMatchObject({ valid: false, reason: 'malformed' });
    expect(garbage).not.toHaveProperty('claims');
  });
});

describe('remote JWKS', () => {
  let server: Server;
  let base = '';
  let hits = 0;
  let failWith = 0;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      hits++;
      if (failWith) {
        res.writeHead(failWith).end('down');
        return;
      }
      if (req.url === '/.well-known/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await keyring.jwks()));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies against a JWKS URL and reuses the fetched set', async () => {
    const verifier = createAttestationVerifier({ jwksUrl: `${base}/.well-known/jwks.json` }, { audience: 'acme', now: clock.seconds });
    const before = hits;
    await expect(verifier.verify(signed.token)).resolves.toMatchObject({ jti: 'sess-1' });
    await expect(verifier.verify(signed.token, { nonce: 'n-123' })).resolves.toMatchObject({ nonce: 'n-123' });
    expect(hits - before).toBe(1);
    await expect(verifier.check(signed.token, { audience: 'x' })).resolves.toMatchObject({ valid: false, reason: 'audience_mismatch' });
  });

  it('reports jwks_unavailable when the JWKS cannot be fetched', async () => {
    failWith = 503;
    try {
      await expectCode(signed.token, { jwks: undefined, jwksUrl: `${base}/.well-known/jwks.json` }, 'jwks_unavailable');
    } finally {
      failWith = 0;
    }
    // A port nobody listens on.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expectCode(signed.token, { jwks: undefined, jwksUrl: `http://127.0.0.1:${port}/jwks.json` }, 'jwks_unavailable');
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const claims = await verifyAttestation(signed.token, {
      jwksUrl: 'https://issuer.invalid/.well-known/jwks.json',
      fetch: async (url, init) => {
        seen.push(String(url));
        return fetch(`${base}/.well-known/jwks.json`, init);
      },
      now: clock.seconds,
    });
    expect(claims.jti).toBe('sess-1');
    expect(seen).toEqual(['https://issuer.invalid/.well-known/jwks.json']);
  });
});
