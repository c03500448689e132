// Embedded storage on node:sqlite: one file in the data dir, WAL, prepared statements cached.
// Calls are synchronous underneath; the async Store methods just wrap them.

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS, schemaMigrationsDdl } from './migrations.ts';
import type { SqlDriver, SqlRow, SqlValue } from './sql-driver.ts';
import { createSqlStore } from './sql-store.ts';
import type { ColumnKind } from './tables.ts';
import { StoreError, type Store } from './types.ts';

export interface SqliteStoreOptions {
  /** How long a writer waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

// Extended result codes (https://sqlite.org/rescode.html).
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const UNAVAILABLE_PRIMARY_CODES = new Set([5 /* BUSY */, 6 /* LOCKED */, 8 /* READONLY */, 10 /* IOERR */, 13 /* FULL */, 14 /* CANTOPEN */]);

/** Opens (creating if needed) the SQLite database at `file`; `:memory:` for a private in-memory one. */
export function createSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  const db = new DatabaseSync(file);
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    db.exec('PRAGMA journal_mode = WAL');
    // With WAL, NORMAL never corrupts; a power loss may only drop the last commits.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    // Deleted and rewritten content is overwritten with zeros, not left in free pages.
    db.exec('PRAGMA secure_delete = ON');
  } catch (err) {
    db.close();
    throw err;
  }

  const statements = new Map<string, StatementSync>();
  let closed = false;

  function prepare(sql: string): StatementSync {
    let stmt = statements.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  }

  function bind(params: readonly SqlValue[]): (string | number | bigint | null | Uint8Array)[] {
    return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
  }

  function migrate(): void {
    db.exec(schemaMigrationsDdl('sqlite'));
    const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
    const newest = Number((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as SqlRow).v ?? 0);
    if (newest > known) {
      throw new StoreError(
        'migration_failed',
        `the database schema is at version ${newest}, newer than this Livegate knows (${known}): upgrade Livegate`,
      );
    }
    for (const m of MIGRATIONS) {
      // IMMEDIATE takes the write lock up front, so two processes starting at once serialise here.
      db.exec('BEGIN IMMEDIATE');
      try {
        const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (applied === undefined) {
          db.exec(m.sql('sqlite'));
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
            m.version,
            m.name,
            Date.now(),
          );
        }
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw new StoreError('migration_failed', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    // Statements prepared before a schema change are re-prepared by SQLite; clearing keeps it simple.
    statements.clear();
  }

  const driver: SqlDriver = {
    dialect: 'sqlite',
    async all(sql, params) {
      return prepare(sql).all(...bind(params)) as SqlRow[];
    },
    async run(sql, params) {
      return Number(prepare(sql).run(...bind(params)).changes);
    },
    encode(kind: ColumnKind, value: unknown): SqlValue {
      if (kind === 'json') return value === null || value === undefined ? null : JSON.stringify(value);
      if (kind === 'bool') return value ? 1 : 0;
      return value as Uint8Array;
    },
    decode(kind: ColumnKind, value: unknown): unknown {
      if (value === null || value === undefined) return null;
      if (kind === 'json') return JSON.parse(value as string);
      if (kind === 'bool') return value === 1 || value === 1n;
      return value as Uint8Array;
    },
    classify(err) {
      const errcode = (err as { errcode?: unknown }).errcode;
      if (typeof errcode !== 'number') return null;
      const message = (err as Error).message;
      if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
        return new StoreError('conflict', `a row with the same key already exists (${message})`, { cause: err });
      }
      if (errcode === SQLITE_CONSTRAINT_FOREIGNKEY) {
        return new StoreError('not_found', `a referenced row does not exist (${message})`, { cause: err });
      }
      if (UNAVAILABLE_PRIMARY_CODES.has(errcode & 0xff)) {
        return new StoreError('unavailable', `SQLite database ${file} is unavailable: ${message}`, { cause: err });
      }
      return null;
    },
    byteLength: (column) => `length(${column})`,
    claimLockClause: '',
    scrubSql: ['PRAGMA wal_checkpoint(TRUNCATE)'],
    async migrate() {
      migrate();
    },
    async close() {
      if (closed) return;
      closed = true;
      statements.clear();
      db.close();
    },
  };
  return createSqlStore(driver);
}
