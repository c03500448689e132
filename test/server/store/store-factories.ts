// The storage backends the shared store suite runs against. Each test gets a fresh, empty
// database; `second()` opens another store on the same database (another connection/pool),
// which is how two server instances would share it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { createPostgresStore } from '../../../server/store/postgres.ts';
import { createSqliteStore } from '../../../server/store/sqlite.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import type { Store } from '../../../server/store/types.ts';

export interface OpenedStore {
  store: Store;
  /** Another store on the same database, not yet migrated. */
  second(): Promise<Store>;
  /** Raw SQL against the database, bypassing the store (for assertions on the schema). */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export interface StoreFactory {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /**
   * An empty database. `fresh` guarantees a new, unmigrated one; otherwise it may be an already
   * migrated database with every table emptied (much faster on PostgreSQL).
   */
  open(opts?: { fresh?: boolean }): Promise<OpenedStore>;
  /** Closes everything `open` handed out since the last call. */
  closeAll(): Promise<void>;
}

export function sqliteFactory(): StoreFactory {
  let dir = '';
  let n = 0;
  const opened: { close(): Promise<void> | void }[] = [];
  return {
    name: 'sqlite',
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'livegate-sqlite-'));
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
    async open() {
      const file = join(dir, `t${++n}.db`);
      const store = createSqliteStore(file);
      opened.push(store);
      return {
        store,
        async second() {
          const s = createSqliteStore(file);
          opened.push(s);
          return s;
        },
        async query(sql) {
          const db = new DatabaseSync(file);
          try {
            return db.prepare(sql).all() as Record<string, unknown>[];
          } finally {
            db.close();
          }
        },
      };
    },
    async closeAll() {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}

export function postgresFactory(): StoreFactory {
  let cluster: TestPostgres | null = null;
  let admin: pg.Client | null = null;
  let shared: pg.Client | null = null; // on the reused database, for emptying it
  let n = 0;
  const opened: { close(): Promise<void> }[] = [];
  const urlOf = (name: string) => {
    if (cluster === null) throw new Error('postgres factory not set up');
    return cluster.url.replace(/\/postgres$/, `/${name}`);
  };
  return {
    name: 'postgres',
    async setup() {
      cluster = await startPostgres();
      admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
    },
    async teardown() {
      await shared?.end();
      await admin?.end();
      await cluster?.stop();
    },
    async open(opts) {
      if (admin === null) throw new Error('postgres factory not set up');
      let url: string;
      if (opts?.fresh === true) {
        const name = `livegate_t${++n}`;
        // FILE_COPY: with fsync off it is several times faster than the default WAL_LOG.
        await admin.query(`CREATE DATABASE ${name} STRATEGY FILE_COPY`);
        url = urlOf(name);
      } else {
        url = urlOf('livegate_shared');
        if (shared === null) {
          await admin.query('CREATE DATABASE livegate_shared STRATEGY FILE_COPY');
          const s = createPostgresStore(url);
          await s.migrate();
          await s.close();
          shared = new pg.Client({ connectionString: url });
          await shared.connect();
        }
        const tables = await shared.query(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
        );
        // DELETE beats TRUNCATE on tiny tables (no new files); replica mode skips FK order.
        await shared.query(
          `SET session_replication_role = replica; ${tables.rows.map((r) => `DELETE FROM ${r.tablename};`).join(' ')} SET session_replication_role = DEFAULT`,
        );
      }
      const store = createPostgresStore(url);
      opened.push(store);
      return {
        store,
        async second() {
          const s = createPostgresStore(url);
          opened.push(s);
          return s;
        },
        async query(sql) {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            return (await c.query(sql)).rows;
          } finally {
            await c.end();
          }
        },
      };
    },
    async closeAll() {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}
