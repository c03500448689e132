// The storage backends the shared store suite runs against. Each test gets a fresh, empty
// database; `second()` opens another store on the same database (another connection/pool),
// which is how two server instances would share it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createSqliteStore } from '../../../server/store/sqlite.ts';
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
