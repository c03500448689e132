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
  /** A fresh, empty, unmigrated database. */
  open(): Promise<OpenedStore>;
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
  let n = 0;
  const opened: { close(): Promise<void> }[] = [];
  return {
    name: 'postgres',
    async setup() {
      cluster = await startPostgres();
      admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
    },
    async teardown() {
      await admin?.end();
      await cluster?.stop();
    },
    async open() {
      if (cluster === null || admin === null) throw new Error('postgres factory not set up');
      const name = `livegate_t${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = cluster.url.replace(/\/postgres$/, `/${name}`);
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
