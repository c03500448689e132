// First start on an empty store: a default tenant and one full-access key, shown once; and the
// listen step that must come before it, so a start that cannot serve creates (and loses) nothing.
import type { FastifyInstance } from 'fastify';
import { createApiKey, type CreatedApiKey } from './auth/api-keys.ts';
import type { Config } from './config.ts';
import type { Store } from './store/types.ts';

export const DEFAULT_TENANT_ID = 'default';

export async function ensureDefaultTenant(store: Store, now: () => number = Date.now): Promise<CreatedApiKey | null> {
  if ((await store.countTenants()) > 0) return null;
  await store.createTenant({ id: DEFAULT_TENANT_ID, name: 'Default tenant', created_at: now() });
  return createApiKey(store, { name: 'first key', tenantId: DEFAULT_TENANT_ID, now: now() });
}

/** A start that could not bind its address; the message is one line and names the next step. */
export class ListenError extends Error {
  readonly code = 'listen_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

/**
 * Listens on the config's host and port, or closes the app and throws ListenError explaining
 * why (port taken, no permission, no such interface) and what to do.
 */
export async function listenOrExplain(app: FastifyInstance, config: Pick<Config, 'host' | 'port'>): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as { code?: unknown }).code;
    const where = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    if (code === 'EADDRINUSE') {
      throw new ListenError(`cannot listen on ${where}: the port is already in use (another Livegate or another program); stop it, or start on a free port with --port <port> or LIVEGATE_PORT.`, { cause: err });
    }
    if (code === 'EACCES') {
      throw new ListenError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose a port above 1024 with --port <port> or LIVEGATE_PORT.`, { cause: err });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new ListenError(`cannot listen on ${where}: this machine has no such address; use --host 127.0.0.1, 0.0.0.0 or one of its own addresses (LIVEGATE_HOST).`, { cause: err });
    }
    throw err;
  }
}
