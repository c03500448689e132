// Picks the backend from config and opens it migrated: PostgreSQL for a postgres:// URL,
// otherwise the embedded SQLite file in the data dir.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite.ts';
import { StoreError, type Store } from './types.ts';
import type { PostgresStore, PostgresStoreOptions } from './postgres.ts';

export * from './types.ts';

export interface OpenStoreOptions {
  /** Directory for the SQLite file (`livegate.db`); created when missing. */
  dataDir: string;
  /** postgres:// or postgresql:// selects PostgreSQL; anything else (or nothing) selects SQLite. */
  databaseUrl?: string | null;
  /** Pool settings when databaseUrl selects PostgreSQL. */
  postgres?: PostgresStoreOptions;
  /** Settings when SQLite is selected. */
  sqlite?: SqliteStoreOptions;
}

export const SQLITE_FILE_NAME = 'livegate.db';

export function isPostgresUrl(url: string | null | undefined): url is string {
  return typeof url === 'string' && /^postgres(ql)?:\/\//i.test(url);
}

/** host:port/database of a PostgreSQL URL, never its credentials. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : '/'}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Removes anything that looks like a URL with credentials from a driver message. */
function scrub(message: string): string {
  return message.replace(/postgres(ql)?:\/\/[^\s]*/gi, (m) => describePostgresUrl(m));
}

/** True for the PostgreSQL store, which also offers LISTEN/NOTIFY (`listen`, `notify`). */
export function supportsNotifications(store: Store): store is PostgresStore {
  return store.kind === 'postgres' && typeof (store as Partial<PostgresStore>).listen === 'function';
}

export type { NotificationHandler, PostgresStore, PostgresStoreOptions } from './postgres.ts';
export type { SqliteStoreOptions } from './sqlite.ts';

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  return isPostgresUrl(opts.databaseUrl)
    ? openPostgres(opts.databaseUrl, opts.postgres)
    : openSqlite(opts.dataDir, opts.sqlite);
}

async function openSqlite(dataDir: string, options?: SqliteStoreOptions): Promise<Store> {
  const dir = resolve(dataDir);
  const file = join(dir, SQLITE_FILE_NAME);
  let store: Store;
  try {
    mkdirSync(dir, { recursive: true });
    store = createSqliteStore(file, options);
  } catch (err) {
    throw new StoreError(
      'unavailable',
      `cannot open the SQLite database ${file}: ${(err as Error).message}. ` +
        'Check that the data directory (--data / LIVEGATE_DATA) exists or can be created and is writable.',
      { cause: err },
    );
  }
  return migrated(store, `the SQLite database ${file}`, 'Check that the file is writable and not held by another program.');
}

async function openPostgres(url: string, options?: PostgresStoreOptions): Promise<Store> {
  const where = describePostgresUrl(url);
  let store: Store;
  try {
    // Loaded only when asked for, so embedded deployments never load pg.
    const { createPostgresStore } = await import('./postgres.ts');
    store = createPostgresStore(url, options);
  } catch (err) {
    throw new StoreError('unavailable', `cannot use PostgreSQL at ${where}: ${scrub((err as Error).message)}. Check DATABASE_URL.`, {
      cause: err,
    });
  }
  return migrated(
    store,
    `PostgreSQL at ${where}`,
    'Check that the server is running and reachable, and that DATABASE_URL has the right host, port, database, user and password.',
  );
}

async function migrated(store: Store, what: string, hint: string): Promise<Store> {
  try {
    await store.migrate();
    return store;
  } catch (err) {
    await store.close().catch(() => undefined);
    if (err instanceof StoreError && err.code === 'migration_failed') throw err;
    throw new StoreError('unavailable', `cannot use ${what}: ${scrub((err as Error).message)}. ${hint}`, { cause: err });
  }
}
