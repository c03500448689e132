// The `livegate` command as a user runs it: real child processes over a real data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring } from '../../server/attestation/keyring.ts';
import { loadSecretBox } from '../../server/crypto/kek-source.ts';
import { signAttestation } from '../../server/attestation/sign.ts';
import { actionSha256 } from '../../server/attestation/action-hash.ts';
import { createPolicyService } from '../../server/policies/service.ts';
import { openStore } from '../../server/store/index.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';
import { livegate, startLivegate, stopChild } from '../helpers/cli.ts';
import { ALL_SCOPES } from '../../server/store/types.ts';


const startServer = (dataDir: string, port: number) => startLivegate(['--data', dataDir, '--port', String(port)]);

describe('livegate start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the first key once, serves /healthz, and keeps the signing kid across restarts', async () => {
    const port = 18000 + Math.floor(Math.random() * 2000);
    const first = await startServer(dataDir, port);
    let kid: string;
    let key: string;
    try {
      key = /(lg_[A-Za-z0-9_-]+)/.exec(first.output())![1];
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      expect(health.status).toBe('ok');
      const jwks = await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json();
      expect(jwks.keys).toHaveLength(1);
      kid = jwks.keys[0].kid;
      const created = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action_description: 'Approve: rotate the production database password' }),
      });
      expect(created.status).toBe(201);
    } finally {
      await stopChild(first.child);
    }
    const second = await startServer(dataDir, port);
    try {
      expect(second.output()).not.toMatch(/lg_[A-Za-z0-9_-]{40,}/); // shown once only
      const jwks = await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json();
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([kid]);
      const res = await fetch(`http://127.0.0.1:${port}/v1/sessions/00000000-0000-4000-8000-000000000000`, { headers: { 'x-api-key': key } });
      expect(res.status).toBe(404); // the first key still works after the restart
    } finally {
      await stopChild(second.child);
    }
  });

  it('explains an invalid setting instead of starting', async () => {
    const res = await livegate(['start', '--data', dataDir, '--port', 'eighty']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('port');
  });
});

describe('livegate keys', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-keys-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates (shown once, JSON shape), lists without secrets, and revokes', async () => {
    const created = await livegate(['keys', 'create', '--name', 'ci-agent', '--scopes', 'session:read,session:write', '--json', '--data', dataDir]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(Object.keys(key).sort()).toEqual(['id', 'key', 'scopes', 'tenant']);
    expect(key).toMatchObject({ scopes: ['session:read', 'session:write'], tenant: 'default' });
    const listed = await livegate(['keys', 'list', '--json', '--data', dataDir]);
    expect(listed.stdout).not.toContain(key.key);
    expect(JSON.parse(listed.stdout).map((k: { id: string }) => k.id)).toContain(key.id);
    const revoked = await livegate(['keys', 'revoke', key.id, '--data', dataDir]);
    expect(revoked.code).toBe(0);
    const again = await livegate(['keys', 'revoke', key.id, '--data', dataDir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('No active key');
    const badScope = await livegate(['keys', 'create', '--name', 'x', '--scopes', 'session:everything', '--data', dataDir]);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('Unknown scope');
  });
});

describe('livegate policy-floor', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-cli-floor-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sets, shows and clears the tenant floor; refuses a bad floor', async () => {
    expect((await livegate(['keys', 'create', '--name', 'first', '--data', dataDir])).code).toBe(0); // creates the default tenant
    const set = await livegate(['policy-floor', 'set', '{"risk_level":"high","thresholds":{"min_score":70}}', '--data', dataDir]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ floor: { risk_level: 'high', thresholds: { min_score: 70 } }, effective: { standard: { thresholds: { min_score: 70 } } } });
    const shown = JSON.parse((await livegate(['policy-floor', 'show', '--data', dataDir])).stdout);
    expect(shown.floor).toEqual({ risk_level: 'high', thresholds: { min_score: 70 } });
    const bad = await livegate(['policy-floor', 'set', '{"thresholds":{"min_score":"high"}}', '--data', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('thresholds.min_score');
    expect((await livegate(['policy-floor', 'set', 'not json', '--data', dataDir])).stderr).toContain('not valid JSON');
    expect(JSON.parse((await livegate(['policy-floor', 'set', '{}', '--data', dataDir])).stdout).floor).toEqual({});
  });
});

describe('livegate branding', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-cli-branding-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("sets a stored policy's branding, refuses a bad colour, clears it", async () => {
    expect((await livegate(['keys', 'create', '--name', 'first', '--data', dataDir])).code).toBe(0);
    const store = await openStore({ dataDir });
    // The policy itself comes from the API's service (the CLI only brands it).
    const auth = { tenantId: 'default', keyId: 'test', scopes: ALL_SCOPES };
    const created = await createPolicyService({ store }).create(auth, { name: 'branded' });
    await store.close();
    const set = await livegate(['branding', created.policy_id, '--name', 'Acme Bank', '--accent', '#0f766e', '--data', dataDir]);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).config.branding).toEqual({ name: 'Acme Bank', logo_url: null, accent_color: '#0f766e' });
    const bad = await livegate(['branding', created.policy_id, '--accent', 'teal', '--data', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('branding.accent_color');
    const cleared = await livegate(['branding', created.policy_id, '--clear', '--data', dataDir]);
    expect(JSON.parse(cleared.stdout).config.branding).toBeNull();
  });
});

describe('livegate verify-token against a running server', () => {
  let t: TestApp;
  let jwksUrl: string;
  let token: string;
  let id: string;
  const ACTION = 'Approve: Wire transfer of $50,000 to Acme Corp';

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address() as { port: number };
    jwksUrl = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.key },
      payload: { action_description: ACTION, audience: 'bank.example', nonce: 'nonce-42' },
    });
    id = created.json().session_id;
    await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    token = (await t.app.inject({ url: `/v1/sessions/${id}/result`, headers: { 'x-api-key': t.key } })).json().signature;
  });
  afterAll(async () => t.close());

  const expected = () => ['--jwks', jwksUrl, '--audience', 'bank.example', '--action-sha256', actionSha256(ACTION), '--nonce', 'nonce-42'];

  it('accepts the attestation and prints its claims', async () => {
    const res = await livegate(['verify-token', token, ...expected()]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ jti: id, aud: 'bank.example', nonce: 'nonce-42', attestation: { verdict: 'live' } });
  });

  it.each([
    ['another audience', ['--audience', 'shop.example'], 'audience_mismatch'],
    ['another action hash', ['--action-sha256', actionSha256('Approve: something else')], 'action_mismatch'],
    ['another nonce', ['--nonce', 'nonce-43'], 'nonce_mismatch'],
  ])('rejects %s', async (_name, override, code) => {
    const args = expected();
    args[args.indexOf(override[0]) + 1] = override[1];
    const res = await livegate(['verify-token', token, ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(code);
  });

  it('rejects a tampered token and alg none', async () => {
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.attestation.verdict = 'live';
    claims.attestation.score = 100;
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const res = await livegate(['verify-token', tampered, ...expected()]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('signature_invalid');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'livegate-attestation+jwt' })).toString('base64url')}.${p}.`;
    const resNone = await livegate(['verify-token', none, ...expected()]);
    expect(resNone.code).not.toBe(0);
    expect(resNone.stderr).toMatch(/alg_not_allowed|malformed/);
  });

  it('rejects an expired attestation', async () => {
    const keyring = createKeyring(t.store, { secrets: loadSecretBox({ dataDir: t.dataDir }, {}).box, tokenTtlS: 3600 });
    const past = Math.floor(Date.now() / 1000) - 7200;
    const signed = await signAttestation(keyring, {
      iss: t.app.services.config.publicUrl,
      sub: id,
      aud: 'bank.example',
      jti: id,
      nonce: 'nonce-42',
      iat: past,
      exp: past + 600,
      attestation: JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).attestation,
    });
    const res = await livegate(['verify-token', signed.token, ...expected()]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('expired');
  });

  it('rotate-signing publishes the new key before it signs', async () => {
    const res = await livegate(['keys', 'rotate-signing', '--data', t.dataDir, '--activate-in', '600']);
    expect(res.code).toBe(0);
    const newKid = /New signing key (\S+):/.exec(res.stdout)![1];
    t.app.services.keyring.invalidate();
    const jwks = await (await fetch(jwksUrl)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(newKid);
    expect(jwks.keys).toHaveLength(2);
    // Still signing with the old key until activation.
    const { kid } = await t.app.services.keyring.signingKey();
    expect(kid).not.toBe(newKid);
  });
});
