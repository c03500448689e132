// Picks the backend from config and opens it migrated: PostgreSQL for a postgres:// URL,
// otherwise the embedded SQLite file in the data dir.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
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
  /** Told about permissions tightened on start (a log line for the operator). */
  notice?: (message: string) => void;
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
    : openSqlite(opts.dataDir, opts.sqlite, opts.notice);
}

/** Removes group and other permissions from `path` when it has any; says so. */
function tighten(path: string, mode: 0o700 | 0o600, notice?: (message: string) => void): void {
  if (!existsSync(path)) return;
  const current = statSync(path).mode & 0o777;
  if ((current & 0o077) === 0) return;
  chmodSync(path, mode);
  notice?.(`tightened the permissions of ${path} from ${current.toString(8).padStart(4, '0')} to ${mode.toString(8).padStart(4, '0')}`);
}

/**
 * The data directory is private: 0700, the database and its WAL and shared-memory files 0600.
 * The file is created 0600 before SQLite opens it, so the -wal and -shm files SQLite creates
 * later inherit that mode; anything looser left by an older version is tightened.
 */
export function secureSqliteFiles(dir: string, file: string, notice?: (message: string) => void): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, notice);
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) tighten(path, 0o600, notice);
}

async function openSqlite(dataDir: string, options?: SqliteStoreOptions, notice?: (message: string) => void): Promise<Store> {
  const dir = resolve(dataDir);
  const file = join(dir, SQLITE_FILE_NAME);
  let store: Store;
  try {
    secureSqliteFiles(dir, file, notice);
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
