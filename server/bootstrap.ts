// First start on an empty store: a default tenant and one full-access key, shown once.
import { createApiKey, type CreatedApiKey } from './auth/api-keys.ts';
import type { Store } from './store/types.ts';

export const DEFAULT_TENANT_ID = 'default';

export async function ensureDefaultTenant(store: Store, now: () => number = Date.now): Promise<CreatedApiKey | null> {
  if ((await store.countTenants()) > 0) return null;
  await store.createTenant({ id: DEFAULT_TENANT_ID, name: 'Default tenant', created_at: now() });
  return createApiKey(store, { name: 'first key', tenantId: DEFAULT_TENANT_ID, now: now() });
}
