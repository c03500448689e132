// Shared setup for the webhook suites: real databases (a SQLite file, or a database in a
// throwaway PostgreSQL cluster), a movable clock and a real pino logger whose lines are kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { createPostgresStore } from '../../../server/store/postgres.ts';
import { createSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/types.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

/** A database a store can be opened on: a SQLite file path or a postgres:// URL. */
export type DatabaseTarget = string;

export interface Backend {
  name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, empty database. */
  newDatabase(): Promise<DatabaseTarget>;
}

/** Opens and migrates a store on `target`; each call is a new connection (or pool). */
export async function openTarget(target: DatabaseTarget): Promise<Store> {
  const store = /^postgres(ql)?:\/\//.test(target) ? createPostgresStore(target) : createSqliteStore(target);
  await store.migrate();
  return store;
}

export function sqliteBackend(): Backend {
  let dir = '';
  let n = 0;
  return {
    name: 'sqlite',
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'livegate-webhooks-'));
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async newDatabase() {
      return join(dir, `webhooks-${++n}.db`);
    },
  };
}

export function postgresBackend(): Backend {
  let cluster: TestPostgres | null = null;
  let admin: pg.Client | null = null;
  let n = 0;
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
    async newDatabase() {
      if (!cluster || !admin) throw new Error('postgres backend not set up');
      const name = `livegate_webhooks_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return cluster.url.replace(/\/postgres$/, `/${name}`);
    },
  };
}

export function bothBackends(): Backend[] {
  return [sqliteBackend(), postgresBackend()];
}

export async function addTenant(store: Store, id: string): Promise<void> {
  await store.createTenant({ id, name: id, created_at: Date.now() });
}

/** Real time plus an offset the test moves forward. */
export function movableClock(): { now: () => number; advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

export function capturedLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
