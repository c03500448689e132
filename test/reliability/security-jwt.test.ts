// Security matrix, attestation part: the JWT attack list against verifyAttestation, with a real
// token from a real server (its keyring, its JWKS). Each forged or mis-bound token is refused
// with its stable code, and header-supplied key locations (jku, x5u, jwk) are never followed.
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTESTATION_TYP, createAttestationVerifier, verifyAttestation, type AttestationErrorCode } from '../../server/attestation/verify.ts';
import { signAttestation } from '../../server/attestation/sign.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';

const ACTION = { description: 'Approve: wire $50,000 to Acme Corp', details: { amount: 50_000, currency: 'USD' } };
const AUDIENCE = 'acme-payments';
const NONCE = 'rp-nonce-7';

let t: TestApp;
let token: string;
let jwks: JSONWebKeySet;
let claims: Record<string, unknown>;
let attacker: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };
let attackerServer: Server;
let attackerUrl: string;
let attackerHits = 0;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const parts = () => token.split('.');
const header = () => JSON.parse(Buffer.from(parts()[0], 'base64url').toString()) as Record<string, unknown>;
const expected = { jwks: undefined as unknown as JSONWebKeySet, action: ACTION, audience: AUDIENCE, nonce: NONCE };

async function expectRefused(forged: string, code: AttestationErrorCode, checks: Partial<typeof expected> = {}) {
  await expect(verifyAttestation(forged, { ...expected, jwks, ...checks })).rejects.toMatchObject({ name: 'AttestationError', code });
}

/** The real claims signed by the attacker's key under the given header. */
const forge = (h: Record<string, unknown>, payload: Record<string, unknown> = claims) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: ATTESTATION_TYP, ...h } as never).sign(attacker.privateKey);

beforeAll(async () => {
  t = await createTestApp({}, { analyzer: false });
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { 'x-api-key': t.key },
    payload: { action_description: ACTION.description, action_details: ACTION.details, audience: AUDIENCE, nonce: NONCE },
  });
  const id = res.json().session_id;
  await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
  token = (await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/result`, headers: { 'x-api-key': t.key } })).json().signature;
  jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
  claims = JSON.parse(Buffer.from(parts()[1], 'base64url').toString());
  const pair = await generateKeyPair('ES256', { extractable: true });
  attacker = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', alg: 'ES256', use: 'sig' } };
  // A key server the forged headers point to: it must never be asked.
  attackerServer = createServer((_req, res) => {
    attackerHits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [attacker.publicJwk] }));
  });
  await new Promise<void>((r) => attackerServer.listen(0, '127.0.0.1', r));
  const address = attackerServer.address();
  attackerUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`;
});
afterAll(async () => {
  await new Promise((r) => attackerServer?.close(r));
  await t?.close();
});

describe('the genuine token', () => {
  it('verifies with every check given (the baseline the attacks start from)', async () => {
    await expect(verifyAttestation(token, { ...expected, jwks })).resolves.toMatchObject({ aud: AUDIENCE, nonce: NONCE, attestation: { verdict: 'live' } });
  });
});

describe('JWT attacks against verifyAttestation', () => {
  it('alg none (unsigned), in any spelling', async () => {
    for (const alg of ['none', 'None', 'NONE', '']) await expectRefused(`${b64({ ...header(), alg })}.${parts()[1]}.`, 'alg_not_allowed');
  });

  it('HS256 keyed with the public key (algorithm confusion), as JWK JSON and as its x coordinate', async () => {
    const pub = jwks.keys[0];
    for (const secret of [JSON.stringify(pub), String(pub.x), Buffer.from(String(pub.x), 'base64url').toString('latin1')]) {
      const input = `${b64({ ...header(), alg: 'HS256' })}.${parts()[1]}`;
      await expectRefused(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`, 'alg_not_allowed');
    }
  });

  it('other algorithms and lookalikes: RS256, ES384, ES256K, "es256"', async () => {
    for (const alg of ['RS256', 'ES384', 'ES256K', 'es256', 'ES256 ']) await expectRefused(`${b64({ ...header(), alg })}.${parts()[1]}.${parts()[2]}`, 'alg_not_allowed');
  });

  it('an unknown kid, and kids that try path or injection tricks', async () => {
    for (const kid of ['attacker', '../../keys/k1', "' OR '1'='1", '']) {
      await expectRefused(await forge({ kid }), kid === '' ? 'malformed' : 'unknown_kid');
    }
  });

  it('jku, x5u and jwk headers naming the attacker key are ignored (never fetched, never trusted)', async () => {
    await expectRefused(await forge({ kid: 'attacker', jku: attackerUrl }), 'unknown_kid');
    await expectRefused(await forge({ kid: 'attacker', x5u: attackerUrl }), 'unknown_kid');
    await expectRefused(await forge({ kid: 'attacker', jwk: attacker.publicJwk }), 'unknown_kid');
    // Claiming the published kid while carrying (or pointing to) the attacker's key: bad signature.
    const kid = header().kid as string;
    await expectRefused(await forge({ kid, jwk: { ...attacker.publicJwk, kid } }), 'signature_invalid');
    await expectRefused(await forge({ kid, jku: attackerUrl }), 'signature_invalid');
    // A verifier bound to a JWKS URL fetches only that URL, whatever the header says.
    const fetched: string[] = [];
    const verifier = createAttestationVerifier({
      jwksUrl: 'http://livegate.test/.well-known/jwks.json',
      fetch: async (url) => {
        fetched.push(String(url));
        return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } });
      },
    });
    await expect(verifier.verify(await forge({ kid: 'attacker', jku: attackerUrl, x5u: attackerUrl }))).rejects.toMatchObject({ code: 'unknown_kid' });
    expect(new Set(fetched)).toEqual(new Set(['http://livegate.test/.well-known/jwks.json']));
    expect(attackerHits).toBe(0);
  });

  it('a signature of zeros (r = s = 0, the "psychic signature"), and r = s = n', async () => {
    const zero = Buffer.alloc(64).toString('base64url');
    await expectRefused(`${parts()[0]}.${parts()[1]}.${zero}`, 'signature_invalid');
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
    await expectRefused(`${parts()[0]}.${parts()[1]}.${Buffer.concat([n, n]).toString('base64url')}`, 'signature_invalid');
  });

  it('a tampered payload (verdict, audience or action hash changed) under the genuine signature', async () => {
    const att = claims.attestation as Record<string, unknown>;
    for (const payload of [
      { ...claims, attestation: { ...att, verdict: 'live', score: 100 } },
      { ...claims, aud: 'evil' },
      { ...claims, attestation: { ...att, action_sha256: '0'.repeat(64) } },
    ]) {
      await expectRefused(`${parts()[0]}.${b64(payload)}.${parts()[2]}`, 'signature_invalid');
    }
  });

  it('expired, and not yet valid (future nbf), signed by the real key', async () => {
    const ttl = t.app.services.keyring.tokenTtlS;
    const base = { iss: claims.iss as string, sub: claims.sub as string, aud: AUDIENCE, jti: claims.jti as string, nonce: NONCE, attestation: claims.attestation as never };
    const nowS = Math.floor(Date.now() / 1000);
    const expired = await signAttestation(t.app.services.keyring, { ...base, iat: nowS - ttl - 120, exp: nowS - 120 });
    await expectRefused(expired.token, 'expired');
    const future = await signAttestation(t.app.services.keyring, { ...base, iat: nowS + 3600, exp: nowS + 3600 + ttl });
    await expectRefused(future.token, 'not_yet_valid');
  });

  it('bound to something else: wrong audience, wrong action, wrong nonce, wrong issuer', async () => {
    await expectRefused(token, 'audience_mismatch', { audience: 'another-rp' });
    await expectRefused(token, 'action_mismatch', { action: { description: 'Approve: wire $90,000 to Acme Corp', details: ACTION.details } });
    await expectRefused(token, 'action_mismatch', { action: { description: ACTION.description, details: { ...ACTION.details, amount: 90_000 } } });
    await expectRefused(token, 'nonce_mismatch', { nonce: 'another-nonce' });
    await expect(verifyAttestation(token, { jwks, issuer: 'https://evil.example' })).rejects.toMatchObject({ code: 'issuer_mismatch' });
  });

  it('malformed: wrong part count, bad base64, crit header, wrong typ, huge input', async () => {
    await expectRefused(`${parts()[0]}.${parts()[1]}`, 'malformed');
    await expectRefused(`${token}.extra`, 'malformed');
    await expectRefused(`!!!.${parts()[1]}.${parts()[2]}`, 'malformed');
    await expectRefused(`${b64({ ...header(), crit: ['exp'], exp: 1 })}.${parts()[1]}.${parts()[2]}`, 'malformed');
    await expectRefused(`${b64({ ...header(), typ: 'JWT' })}.${parts()[1]}.${parts()[2]}`, 'typ_invalid');
    await expectRefused(`${'a'.repeat(200_000)}.${parts()[1]}.${parts()[2]}`, 'malformed');
  });
});
