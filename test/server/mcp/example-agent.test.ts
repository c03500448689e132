// examples/agent.ts end to end against a listening server: it prints the link, waits, and
// executes only after verifying the attestation offline.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ACTION = 'Approve: refund order 1234';

describe('examples/agent.ts', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp({}, { analyzer: false });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  function runAgent(onUrl: (sessionId: string) => Promise<void>): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['examples/agent.ts', ACTION], { cwd: ROOT, env: { ...process.env, LIVEGATE_URL: url, LIVEGATE_API_KEY: t.key } });
      let out = '';
      let seen = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const id = /\/s\/([0-9a-f-]{36})#/.exec(out)?.[1];
        if (id && !seen) {
          seen = true;
          void onUrl(id);
        }
      });
      child.stderr.on('data', (d: Buffer) => (out += d));
      child.on('exit', (code) => resolve({ code, out }));
    });
  }

  it('executes after a live verdict with a valid attestation', async () => {
    const { code, out } = await runAgent(async (id) => {
      await new Promise((r) => setTimeout(r, 300));
      await t.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    });
    expect(out).toContain('Ask the person to open this link');
    expect(out).toMatch(/Verified: a live person approved "Approve: refund order 1234" \(score 91\)\. Executing\./);
    expect(code).toBe(0);
  });

  it('does not execute when the session is cancelled', async () => {
    const { code, out } = await runAgent(async (id) => {
      await t.app.services.sessions.cancel(await t.app.services.authenticate(t.key), id, 'test');
    });
    expect(out).toContain('The verification ended cancelled; not executing');
    expect(code).toBe(1);
  });

  it('does not execute on a validly signed spoof verdict (verdict_not_live)', async () => {
    const { code, out } = await runAgent(async (id) => {
      await new Promise((r) => setTimeout(r, 300));
      await t.app.services.sessions.completeSession(id, { ...LIVE_EVIDENCE, verdict: 'spoof', score: 20 });
    });
    expect(out).toMatch(/Not executing "Approve: refund order 1234": verdict_not_live/);
    expect(out).not.toContain('Executing.');
    expect(code).toBe(1);
  });
});
