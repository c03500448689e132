// `livegate verify-token` as a relying party runs it: a real child process of bin/livegate.js.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionSha256 } from '../../../server/attestation/action-hash.ts';
import { createKeyring, type Keyring } from '../../../server/attestation/keyring.ts';
import { signAttestation } from '../../../server/attestation/sign.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { freePort } from '../../helpers/ports.ts';
import { ACTION, attestationBody, tempDb, type TempDb } from './helpers.ts';
import { testSecrets } from '../../helpers/kek.ts';

const BIN = fileURLToPath(new URL('../../../bin/livegate.js', import.meta.url));
const ISS = 'https://livegate.test';
const HASH = actionSha256(ACTION.description, ACTION.details);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function livegate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ...env };
    if (!('LIVEGATE_API_KEY' in env)) delete childEnv.LIVEGATE_API_KEY;
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, env: childEnv }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

let db: TempDb;
let keyring: Keyring;
let token: string;
let jwksFile: string;
let server: Server;
let jwksUrl: string;

beforeAll(async () => {
  db = await tempDb();
  keyring = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: 600 });
  token = (await signAttestation(keyring, { iss: ISS, sub: 'alice', aud: 'acme', jti: 'sess-cli', nonce: 'n-1', attestation: attestationBody() })).token;
  const jwks = await keyring.jwks();
  jwksFile = join(db.file, '..', 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(jwks));
  server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await db.cleanup();
});

describe('livegate verify-token', () => {
  it('exits 0 and prints the claims for a valid token (JWKS file)', async () => {
    const run = await livegate(['verify-token', token, '--jwks', jwksFile, '--audience', 'acme', '--action-sha256', HASH, '--nonce', 'n-1', '--issuer', ISS]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const claims = JSON.parse(run.stdout);
    expect(claims).toMatchObject({ jti: 'sess-cli', aud: 'acme', nonce: 'n-1', attestation: { action_sha256: HASH, verdict: 'live' } });
  });

  it('exits 0 against a JWKS URL', async () => {
    const run = await livegate(['verify-token', token, '--jwks', jwksUrl, '--audience', 'acme', '--action-sha256', HASH, '--nonce', 'n-1']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).jti).toBe('sess-cli');
  });

  const rejections: Array<[string, () => Promise<string[]>, string]> = [
    ['another audience', async () => [token, '--audience', 'evil'], 'audience_mismatch'],
    ['another action hash', async () => [token, '--action-sha256', actionSha256('Wire $1,000,000 to Mallory')], 'action_mismatch'],
    ['another nonce', async () => [token, '--nonce', 'n-2'], 'nonce_mismatch'],
    [
      'an expired token',
      async () => {
        // Signed by the published key, issued two hours ago with a 10-minute lifetime.
        const iat = Math.floor(Date.now() / 1000) - 7200;
        return [(await signAttestation(keyring, { iss: ISS, sub: 'a', aud: 'acme', jti: 'old', iat, attestation: attestationBody() })).token];
      },
      'expired',
    ],
    [
      'a tampered payload',
      async () => {
        const [h, p, s] = token.split('.');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        claims.aud = 'evil';
        return [[h, base64url.encode(JSON.stringify(claims)), s].join('.'), '--audience', 'evil'];
      },
      'signature_invalid',
    ],
    [
      'alg none',
      async () => {
        const [h, p] = token.split('.');
        const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'none' };
        return [`${base64url.encode(JSON.stringify(header))}.${p}.`];
      },
      'alg_not_allowed',
    ],
  ];

  for (const [what, args, code] of rejections) {
    it(`exits 2 with the reason for ${what}`, async () => {
      const [jwt, ...rest] = await args();
      const run = await livegate(['verify-token', jwt, '--jwks', jwksUrl, ...rest]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^invalid: ${code}: .+`));
    });
  }

  it('exits 2 with jwks_unavailable for a missing JWKS file', async () => {
    const run = await livegate(['verify-token', token, '--jwks', join(db.file, '..', 'nope.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^invalid: jwks_unavailable: cannot read JWKS file/);
  });

  it('exits 2 on a validly signed spoof verdict (verdict_not_live), 0 with --allow-spoof', async () => {
    const spoof = (await signAttestation(keyring, { iss: ISS, sub: 'a', aud: 'acme', jti: 'sess-spoof', attestation: attestationBody({ verdict: 'spoof', score: 8 }) })).token;
    const refused = await livegate(['verify-token', spoof, '--jwks', jwksFile]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^invalid: verdict_not_live: .*"spoof"/);
    const allowed = await livegate(['verify-token', spoof, '--jwks', jwksFile, '--allow-spoof']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout).attestation.verdict).toBe('spoof');
  });

  it('enforces --require-risk-level and --require-checks', async () => {
    const low = await livegate(['verify-token', token, '--jwks', jwksFile, '--require-risk-level', 'high']);
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(/^invalid: risk_level_too_low: /);
    const missing = await livegate(['verify-token', token, '--jwks', jwksFile, '--require-checks', 'light_challenge']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^invalid: checks_missing: .*light_challenge/);
    const high = (await signAttestation(keyring, { iss: ISS, sub: 'a', aud: 'acme', jti: 'sess-high', attestation: attestationBody({ risk_level: 'high', required_checks: ['pulse', 'cnn', 'motion', 'light_challenge'] }) })).token;
    expect((await livegate(['verify-token', high, '--jwks', jwksFile, '--require-risk-level', 'high', '--require-checks', 'light_challenge,cnn'])).code).toBe(0);
  });
});

describe('livegate verify-token --online / --check-revocation against a real server', () => {
  let t: TestApp;
  let url: string;
  let live: string;
  let reader: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    t = await createTestApp({ publicUrl: url }, { analyzer: false });
    await t.app.listen({ port, host: '127.0.0.1' });
    reader = await t.keyWith(['session:read']);
    const created = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { authorization: `Bearer ${t.key}` }, payload: { action_description: ACTION.description } });
    const id = created.json().session_id as string;
    await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    live = (await t.app.inject({ url: `/v1/sessions/${id}/result`, headers: { authorization: `Bearer ${t.key}` } })).json().signature;
  });
  afterAll(async () => t.close());

  it('exits 0 while the attestation stands and 2 (revoked) once it is revoked', async () => {
    const args = ['verify-token', live, '--jwks', `${url}/.well-known/jwks.json`];
    expect((await livegate([...args, '--online', url], { LIVEGATE_API_KEY: reader })).code).toBe(0);
    expect((await livegate([...args, '--check-revocation'], { LIVEGATE_API_KEY: reader })).code).toBe(0);

    const jti = JSON.parse(Buffer.from(live.split('.')[1], 'base64url').toString()).jti;
    const revoked = await t.app.inject({ method: 'POST', url: `/v1/attestations/${jti}/revoke`, headers: { authorization: `Bearer ${t.key}` }, payload: { reason: 'fraud report' } });
    expect(revoked.json().status).toBe('revoked');

    for (const flag of [['--online', url], ['--check-revocation']]) {
      const run = await livegate([...args, ...flag], { LIVEGATE_API_KEY: reader });
      expect(run.code, flag.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^invalid: revoked: attestation ${jti} was revoked`));
    }
    // Offline (no flag) it still verifies: revocation needs the issuer.
    expect((await livegate(args)).code).toBe(0);
  });

  it('fails closed when it cannot ask: no API key, or a key of another tenant', async () => {
    const args = ['verify-token', live, '--jwks', `${url}/.well-known/jwks.json`, '--online', url];
    const noKey = await livegate(args);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^invalid: revocation_unavailable: .*LIVEGATE_API_KEY/);
    const stranger = await livegate(args, { LIVEGATE_API_KEY: await t.keyWith(['session:read'], 'other-tenant') });
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toMatch(/^invalid: revocation_unavailable: .*does not know/);
  });
});
