// The relying-party examples of docs/VERIFY.md, run against tokens a real server issued: the
// Python verifier (PyJWT + cryptography from Debian) and the shell one (openssl, jq, xxd) accept
// a live attestation for the right audience, action and nonce, and reject a tampered token, a
// spoof verdict, and another audience, action or nonce. The docs' own snippets are these files.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionSha256 } from '../../server/attestation/action-hash.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../helpers/app.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON_EXAMPLE = path.join(ROOT, 'examples/verify/verify_attestation.py');
const SHELL_EXAMPLE = path.join(ROOT, 'examples/verify/verify_attestation.sh');
const PYTHON = '/usr/bin/python3'; // Debian's, with python3-jwt and python3-cryptography

const ACTION = {
  description: 'Approve: Wire transfer of €50,000.5 to Acme Corp',
  details: { amount: 50000.5, currency: 'EUR', 'bénéficiaire': 'Acme Corp', ratio: 1e-7, big: 1e21, list: [1, 2.5, 'x'], nested: { z: true, a: null } },
};
const AUDIENCE = 'payments';
const NONCE = 'n-7f3a9c';

function run(file: string, args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin!.end(input);
  });
}

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const fromB64url = (s: string) => Buffer.from(s, 'base64url').toString('utf8');

describe('relying-party examples (docs/VERIFY.md)', () => {
  let t: TestApp;
  let dir: string;
  let issuer: string;
  let live: string;
  let spoof: string;
  const files = { jwks: '', action: '', otherAction: '' };

  async function issue(verdict: 'live' | 'spoof'): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'x-api-key': t.key },
      payload: { action_description: ACTION.description, action_details: ACTION.details, audience: AUDIENCE, nonce: NONCE },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().session_id as string;
    await t.app.services.sessions.completeSession(id, { ...LIVE_EVIDENCE, verdict });
    const result = await t.app.inject({ url: `/v1/sessions/${id}/result`, headers: { 'x-api-key': t.key } });
    return result.json().signature as string;
  }

  beforeAll(async () => {
    t = await createTestApp({ publicUrl: 'https://livegate.example.com' }, { analyzer: false });
    issuer = t.app.services.config.publicUrl;
    dir = mkdtempSync(path.join(tmpdir(), 'livegate-verify-'));
    live = await issue('live');
    spoof = await issue('spoof');
    files.jwks = path.join(dir, 'jwks.json');
    writeFileSync(files.jwks, (await t.app.inject('/.well-known/jwks.json')).body);
    files.action = path.join(dir, 'action.json');
    writeFileSync(files.action, JSON.stringify(ACTION));
    files.otherAction = path.join(dir, 'other-action.json');
    writeFileSync(files.otherAction, JSON.stringify({ ...ACTION, details: { ...ACTION.details, amount: 50001 } }));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The live token with one claim changed and the original signature kept. */
  function tampered(): string {
    const [h, p, s] = live.split('.');
    const claims = JSON.parse(fromB64url(p));
    claims.attestation.score = 100;
    return `${h}.${b64url(JSON.stringify(claims))}.${s}`;
  }
  /** The live token with one signature byte flipped. */
  function badSignature(): string {
    const [h, p, s] = live.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 0x01;
    return `${h}.${p}.${sig.toString('base64url')}`;
  }

  describe('Python (PyJWT + cryptography)', () => {
    const python = (token: string, overrides: { audience?: string; action?: string; nonce?: string } = {}) =>
      run(PYTHON, [PYTHON_EXAMPLE, '--jwks', files.jwks, '--issuer', issuer, '--audience', overrides.audience ?? AUDIENCE, '--action', overrides.action ?? files.action, '--nonce', overrides.nonce ?? NONCE], token);

    it('accepts the live attestation the server issued', async () => {
      const r = await python(live);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const claims = JSON.parse(r.stdout);
      expect(claims).toMatchObject({ iss: issuer, aud: AUDIENCE, nonce: NONCE, attestation: { verdict: 'live', action_sha256: actionSha256(ACTION.description, ACTION.details) } });
    });

    it('rejects a tampered token, a spoof verdict, and another audience, action or nonce', async () => {
      const cases: [Promise<{ code: number; stderr: string }>, string][] = [
        [python(tampered()), 'signature_invalid'],
        [python(badSignature()), 'signature_invalid'],
        [python(spoof), 'verdict_not_live'],
        [python(live, { audience: 'other-service' }), 'audience_mismatch'],
        [python(live, { action: files.otherAction }), 'action_mismatch'],
        [python(live, { nonce: 'another-nonce' }), 'nonce_mismatch'],
        [python('not.a.token'), 'malformed'],
      ];
      for (const [pending, reason] of cases) {
        const r = await pending;
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^REJECT ${reason}: `));
      }
    });

    it('computes the RFC 8785 action hash exactly as the server does (numbers, key order, Unicode)', async () => {
      const values = [
        ACTION.details,
        { n: [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789012345680000, 5e-324, 1.7976931348623157e308, 0.000001, 1e20] },
        { '\u{1F600}': 1, '\uFFFD': 2, a: 3, 'é': 4, B: 5, '': 6 },
        { s: 'quote " backslash \\ tab \t newline \n control \u0001 del \u007f emoji \u{1F600}' },
      ];
      for (const details of values) {
        const script = `import json,sys; sys.path.insert(0, ${JSON.stringify(path.dirname(PYTHON_EXAMPLE))}); from verify_attestation import canonical_json, action_sha256; v=json.load(sys.stdin); print(canonical_json(v)); print(action_sha256("d", v))`;
        const r = await run(PYTHON, ['-c', script], JSON.stringify(details));
        expect(r.stderr).toBe('');
        const [canonical, hash] = r.stdout.trimEnd().split('\n');
        expect(canonical).toBe(canonicalize(details));
        expect(hash).toBe(actionSha256('d', details));
      }
    });
  });

  describe('shell (openssl, jq, xxd)', () => {
    const shell = (token: string, overrides: { audience?: string; actionSha256?: string; nonce?: string } = {}) =>
      run(SHELL_EXAMPLE, [files.jwks, issuer, overrides.audience ?? AUDIENCE, overrides.actionSha256 ?? actionSha256(ACTION.description, ACTION.details), overrides.nonce ?? NONCE], token);

    it('accepts the live attestation the server issued', async () => {
      const r = await shell(live);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ iss: issuer, aud: AUDIENCE, nonce: NONCE, attestation: { verdict: 'live' } });
    });

    it('rejects a tampered token, a spoof verdict, and another audience, action or nonce', async () => {
      const cases: [Promise<{ code: number; stderr: string }>, string][] = [
        [shell(tampered()), 'signature_invalid'],
        [shell(badSignature()), 'signature_invalid'],
        [shell(spoof), 'verdict_not_live'],
        [shell(live, { audience: 'other-service' }), 'audience_mismatch'],
        [shell(live, { actionSha256: actionSha256(ACTION.description, { ...ACTION.details, amount: 50001 }) }), 'action_mismatch'],
        [shell(live, { nonce: 'another-nonce' }), 'nonce_mismatch'],
        [shell('not.a.token'), 'malformed'],
      ];
      for (const [pending, reason] of cases) {
        const r = await pending;
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^REJECT ${reason}: `));
      }
    });

    it("the docs' jq line hashes an action with ASCII keys and integers as the server does", async () => {
      const docs = readFileSync(path.join(ROOT, 'docs/VERIFY.md'), 'utf8');
      const line = /^action_sha256=\$\((jq .*)\)$/m.exec(docs);
      expect(line, 'docs/VERIFY.md shows the jq line').not.toBeNull();
      const action = { description: 'Approve: deploy release 4.2 to production', details: { env: 'production', replicas: 3, tags: ['a', 'b'], owner: { team: 'ops', id: 42 } } };
      const actionFile = path.join(dir, 'ascii-action.json');
      writeFileSync(actionFile, JSON.stringify(action, null, 2));
      const r = await run('/bin/bash', ['-c', `action_file=${actionFile}; ${line![1]}`], '');
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(actionSha256(action.description, action.details));
    });
  });
});
