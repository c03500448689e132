// API-key authentication against a real SQLite store: hashed secrets, the short row cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createApiKeyAuthenticator, KEY_CACHE_MS } from '../../../server/auth/api-keys.ts';
import { ensureDefaultTenant } from '../../../server/bootstrap.ts';
import { openStore } from '../../../server/store/index.ts';
import type { Store } from '../../../server/store/types.ts';

let store: Store;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'livegate-keys-'));
  store = await openStore({ dataDir: dir });
  await ensureDefaultTenant(store);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createApiKeyAuthenticator', () => {
  it('accepts the key, refuses a wrong secret for the same id even while the row is cached', async () => {
    const { key } = await createApiKey(store, { name: 't', scopes: ['session:read'], tenantId: 'default' });
    const authenticate = createApiKeyAuthenticator(store);
    expect(await authenticate(key)).toMatchObject({ tenantId: 'default', scopes: ['session:read'] });
    const forged = `${key.slice(0, -4)}AAAA`;
    await expect(authenticate(forged)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('stops a key revoked elsewhere (the CLI) within KEY_CACHE_MS', async () => {
    let clock = 1_000_000;
    const { key, id } = await createApiKey(store, { name: 't', scopes: ['session:read'], tenantId: 'default' });
    const authenticate = createApiKeyAuthenticator(store, () => clock);
    await authenticate(key);
    await store.revokeApiKey(id, clock);
    clock += KEY_CACHE_MS + 1;
    await expect(authenticate(key)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
