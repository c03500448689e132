// A real app over a real SQLite file in a temp dir, with a default tenant and a full-access key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../server/app.ts';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { ensureDefaultTenant } from '../../server/bootstrap.ts';
import { loadConfig, type ConfigInput } from '../../server/config.ts';
import { openStore } from '../../server/store/index.ts';
import type { Scope, Store } from '../../server/store/types.ts';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  key: string;
  dataDir: string;
  /** Creates another key on the default tenant (or a new tenant). */
  keyWith(scopes: Scope[], tenantId?: string): Promise<string>;
  close(): Promise<void>;
}

export async function createTestApp(
  overrides: ConfigInput = {},
  options: Omit<BuildAppOptions, 'config' | 'store'> & { databaseUrl?: string } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-test-'));
  const config = loadConfig({ dataDir, logLevel: 'silent', port: 0, ...overrides }, {});
  // Tests never read the machine's LIVEGATE_* environment: only what they pass.
  const store = await openStore({ dataDir, databaseUrl: options.databaseUrl });
  const first = await ensureDefaultTenant(store);
  const app = await buildApp({ config, store, ...options });
  await app.ready();
  return {
    app,
    store,
    key: first!.key,
    dataDir,
    async keyWith(scopes, tenantId = 'default') {
      if (!(await store.getTenant(tenantId))) await store.createTenant({ id: tenantId, name: tenantId, created_at: Date.now() });
      return (await createApiKey(store, { name: 'test', scopes, tenantId })).key;
    },
    async close() {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Evidence for driving a session to `completed` in tests, before real analysis exists. */
export const LIVE_EVIDENCE = {
  verdict: 'live' as const,
  score: 91,
  confidence: 0.93,
  checks: { pulse: { heart_rate_bpm: 72, snr_db: 6.1, agreement: true }, cnn: { live_probability: 0.97 } },
  frames_processed: 10,
  processing_ms: 120,
};
