// The decision an agent gates on (issue 11): verify_attestation leads with PROCEED / DO NOT
// PROCEED and checks revocation on the issuing server; waits and task results name the verdict.
// The SDK's own Client over InMemoryTransport, against a real app on real SQLite; the remote
// variant drives the same tools through the REST client over real HTTP.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteClient } from '../../../server/mcp/remote.ts';
import { createServer } from '../../../server/mcp/server.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { connectInMemory, structured, type Connected } from './helpers.ts';

const ACTION = 'Approve: wire transfer of $50,000 to Acme Corp';
const SPOOF_EVIDENCE = { ...LIVE_EVIDENCE, verdict: 'spoof' as const, score: 31, failure_reasons: ['pulse:not_detected'] };

interface Decision {
  proceed: boolean;
  decision: string;
  valid: boolean;
  signature_valid: boolean;
  verdict?: string;
  revoked?: boolean;
  reason?: string;
}

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

let cluster: TestPostgres | undefined;
const backends = [
  { name: 'sqlite', open: () => createTestApp({}, { analyzer: false }), stop: async () => undefined },
  {
    name: 'postgres',
    open: async () => {
      cluster = await startPostgres();
      return createTestApp({}, { analyzer: false, databaseUrl: cluster.url });
    },
    stop: async () => cluster?.stop(),
  },
];

describe.each(backends)('MCP decisions on $name', (backend) => {
  let t: TestApp;
  let mcp: Connected;
  const call = (name: string, args: Record<string, unknown>, on: Connected = mcp) => on.client.callTool({ name, arguments: args });

  async function completed(evidence: typeof LIVE_EVIDENCE | typeof SPOOF_EVIDENCE, args: Record<string, unknown> = {}): Promise<{ session_id: string; token: string }> {
    const created = structured<{ session_id: string }>(await call('verify_human_presence', { action_description: ACTION, ...args }));
    await t.app.services.sessions.completeSession(created.session_id, evidence);
    const result = structured<{ signature: string }>(await call('get_verification_result', { session_id: created.session_id }));
    return { session_id: created.session_id, token: result.signature };
  }

  beforeAll(async () => {
    t = await backend.open();
    mcp = await connectInMemory(t, t.key);
  }, 120_000);
  afterAll(async () => {
    await mcp.close();
    await t.close();
    await backend.stop();
  });

  it('PROCEED only for a valid, unrevoked live attestation; DO NOT PROCEED once it is revoked', async () => {
    const { session_id, token } = await completed(LIVE_EVIDENCE);
    const ok = await call('verify_attestation', { token, action_description: ACTION });
    expect(text(ok)).toMatch(/^PROCEED: verdict live, signature valid, not revoked/);
    expect(structured<Decision>(ok)).toMatchObject({ proceed: true, valid: true, signature_valid: true, verdict: 'live', revoked: false });
    expect(Object.keys(structured(ok))[0]).toBe('proceed');

    await t.app.services.sessions.revokeAttestation(await t.app.services.authenticate(t.key), session_id, 'fraud report');
    const revoked = await call('verify_attestation', { token, action_description: ACTION });
    expect(text(revoked)).toMatch(/^DO NOT PROCEED: attestation revoked \(signature valid, verdict live\)/);
    expect(structured<Decision>(revoked)).toMatchObject({ proceed: false, valid: false, signature_valid: true, verdict: 'live', revoked: true, reason: 'revoked' });
  });

  it('DO NOT PROCEED for a validly signed spoof verdict', async () => {
    const { token } = await completed(SPOOF_EVIDENCE);
    const result = await call('verify_attestation', { token, action_description: ACTION });
    expect(text(result)).toMatch(/^DO NOT PROCEED: verdict spoof \(signature valid\)/);
    expect(structured<Decision>(result)).toMatchObject({ proceed: false, valid: false, signature_valid: true, verdict: 'spoof', reason: 'verdict_not_live' });
  });

  it('DO NOT PROCEED below the requested risk level or checks, and for a bad signature', async () => {
    const { token } = await completed(LIVE_EVIDENCE);
    const low = structured<Decision>(await call('verify_attestation', { token, require_risk_level: 'high' }));
    expect(low).toMatchObject({ proceed: false, signature_valid: true, reason: 'risk_level_too_low' });
    expect(low.decision).toMatch(/^DO NOT PROCEED: risk_level_too_low/);
    expect(structured<Decision>(await call('verify_attestation', { token, require_checks: ['light_challenge'] }))).toMatchObject({ proceed: false, reason: 'checks_missing' });
    const [h, p, s] = token.split('.');
    const forged = await call('verify_attestation', { token: `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}` });
    expect(text(forged)).toMatch(/^DO NOT PROCEED: signature_invalid/);
    expect(structured<Decision>(forged)).toMatchObject({ proceed: false, signature_valid: false });
  });

  it('DO NOT PROCEED when the issuing server cannot say whether it was revoked (no session:read)', async () => {
    const { token } = await completed(LIVE_EVIDENCE);
    const writer = await connectInMemory(t, await t.keyWith(['session:write']));
    try {
      const result = structured<Decision>(await call('verify_attestation', { token }, writer));
      expect(result).toMatchObject({ proceed: false, signature_valid: true, reason: 'revocation_unavailable' });
    } finally {
      await writer.close();
    }
  });

  it('wait_for_verification and get_verification_result name the verdict', async () => {
    const created = structured<{ session_id: string }>(await call('verify_human_presence', { action_description: ACTION }));
    const waiting = call('wait_for_verification', { session_id: created.session_id, timeout_s: 20 });
    await new Promise((r) => setTimeout(r, 100));
    await t.app.services.sessions.completeSession(created.session_id, SPOOF_EVIDENCE);
    const waited = await waiting;
    expect(text(waited)).toMatch(/^Session ended: completed, verdict spoof — do not proceed;/);
    expect(structured(waited)).toMatchObject({ status: 'completed', verdict: 'spoof', timed_out: false });

    expect(text(await call('check_verification_status', { session_id: created.session_id }))).toMatch(/^Session ended: completed, verdict spoof — do not proceed;/);
    const result = await call('get_verification_result', { session_id: created.session_id });
    expect(text(result)).toMatch(/^Verdict spoof .*do not proceed/);
    expect(structured(result)).toMatchObject({ attestation: { verdict: 'spoof', required_checks: ['pulse', 'cnn', 'motion'], light_challenge: false, thresholds_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    const live = structured<{ session_id: string }>(await call('verify_human_presence', { action_description: ACTION }));
    await t.app.services.sessions.completeSession(live.session_id, LIVE_EVIDENCE);
    expect(text(await call('wait_for_verification', { session_id: live.session_id, timeout_s: 1 }))).toMatch(/^Session ended: completed, verdict live — .*verify_attestation/);

    const cancelled = structured<{ session_id: string }>(await call('verify_human_presence', { action_description: ACTION }));
    await t.app.services.sessions.cancel(await t.app.services.authenticate(t.key), cancelled.session_id);
    expect(text(await call('wait_for_verification', { session_id: cancelled.session_id, timeout_s: 1 }))).toMatch(/^Session ended: cancelled, no live verdict — do not proceed;/);
  });

  it('a verify_human_presence task result names the verdict', async () => {
    const stream = mcp.client.experimental.tasks.callToolStream({ name: 'verify_human_presence', arguments: { action_description: ACTION } }, undefined, { task: { ttl: 60_000 } });
    let final: CallToolResult | undefined;
    for await (const message of stream) {
      if (message.type === 'taskCreated') {
        const sessionId = /sessions?[ _]id ([0-9a-f-]{36})/.exec(message.task.statusMessage ?? '')![1];
        await t.app.services.sessions.completeSession(sessionId, SPOOF_EVIDENCE);
      } else if (message.type === 'result') {
        final = message.result as CallToolResult;
      } else if (message.type === 'error') {
        throw message.error;
      }
    }
    expect(text(final)).toMatch(/^Session ended: completed, verdict spoof — do not proceed;/);
    expect((final?.structuredContent as { final_status: { verdict: string } }).final_status.verdict).toBe('spoof');
  });

  describe('through the REST client (livegate mcp --url)', () => {
    let url: string;
    let remote: Connected;

    beforeAll(async () => {
      url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const client = createRemoteClient({ url, apiKey: t.key });
      const server = createServer({ clientFor: () => client });
      const [a, b] = InMemoryTransport.createLinkedPair();
      const sdk = new Client({ name: 'remote-test', version: '1.0.0' });
      await Promise.all([server.connect(b), sdk.connect(a)]);
      remote = { client: sdk, close: async () => (await sdk.close(), await server.close()) };
    });
    afterAll(async () => remote.close());

    it('asks the issuing server over REST: PROCEED, then DO NOT PROCEED after revocation; spoof refused', async () => {
      const { session_id, token } = await completed(LIVE_EVIDENCE);
      expect(structured<Decision>(await call('verify_attestation', { token }, remote))).toMatchObject({ proceed: true, revoked: false });
      const revoke = await fetch(`${url}/v1/attestations/${session_id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: '{}' });
      expect((await revoke.json()).status).toBe('revoked');
      const after = await call('verify_attestation', { token }, remote);
      expect(text(after)).toMatch(/^DO NOT PROCEED: attestation revoked/);
      expect(structured<Decision>(after)).toMatchObject({ proceed: false, revoked: true, reason: 'revoked' });

      const spoof = await completed(SPOOF_EVIDENCE);
      expect(text(await call('verify_attestation', { token: spoof.token }, remote))).toMatch(/^DO NOT PROCEED: verdict spoof \(signature valid\)/);
    });
  });
});
