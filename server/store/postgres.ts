// Shared storage on PostgreSQL via pg's Pool: JSONB, BYTEA, BIGINT milliseconds. Many server
// instances can use one database: migrations take an advisory lock, the webhook outbox is claimed
// with FOR UPDATE SKIP LOCKED, and LISTEN/NOTIFY can wake waiters on other instances.

import pg from 'pg';
import { MIGRATIONS, schemaMigrationsDdl } from './migrations.ts';
import type { SqlDriver, SqlRow, SqlValue } from './sql-driver.ts';
import { createSqlStore } from './sql-store.ts';
import type { ColumnKind } from './tables.ts';
import { StoreError, type Store } from './types.ts';

export interface PostgresStoreOptions {
  /** Pool size per instance. */
  max?: number;
  /** How long to wait for a connection before failing. */
  connectionTimeoutMillis?: number;
  applicationName?: string;
}

export const DEFAULT_POOL_MAX = 10;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
/** Key of the advisory lock that serialises migrations across instances ("livegate" in ASCII, truncated). */
export const MIGRATION_LOCK_KEY = 0x6c6976656761;

export type NotificationHandler = (payload: string) => void;

/**
 * The PostgreSQL store, plus optional LISTEN/NOTIFY. The service may use them to wake status
 * waiters on other instances; notifications are best effort (lost while the listening connection
 * reconnects), so waiters should still poll at a slow pace.
 */
export interface PostgresStore extends Store {
  readonly kind: 'postgres';
  /** Calls `handler` for each NOTIFY on `channel`; resolves to a function that stops listening. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
}

const INT8_OID = 20;
// BIGINT arrives as a string by default; our BIGINTs are epoch ms, counts and ids, all < 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
} as pg.CustomTypesConfig;

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN', 'EPIPE']);
const UNAVAILABLE_PG_CODES = new Set(['57P01', '57P02', '57P03', '53300', '28P01', '28000', '3D000']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end/i;

function classify(err: unknown): StoreError | null {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = (err as Error)?.message ?? String(err);
  if (code === '23505') {
    return new StoreError('conflict', `a row with the same key already exists (${message})`, { cause: err });
  }
  if (code === '23503') {
    return new StoreError('not_found', `a referenced row does not exist (${message})`, { cause: err });
  }
  if (
    (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_PG_CODES.has(code) || code.startsWith('08'))) ||
    UNAVAILABLE_MESSAGES.test(message)
  ) {
    return new StoreError('unavailable', `PostgreSQL is unavailable: ${message}`, { cause: err });
  }
  return null;
}

/** `?` placeholders to `$1, $2, ...` (our SQL has no `?` anywhere else). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function createPostgresStore(url: string, opts: PostgresStoreOptions = {}): PostgresStore {
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    application_name: opts.applicationName ?? 'livegate',
    types,
  };
  const pool = new pg.Pool({ ...clientConfig, max: opts.max ?? DEFAULT_POOL_MAX });
  // An idle client losing its connection must not crash the process; the pool drops it.
  pool.on('error', () => undefined);

  const sqlCache = new Map<string, string>();
  let closed = false;

  function text(sql: string): string {
    let t = sqlCache.get(sql);
    if (t === undefined) {
      t = numbered(sql);
      sqlCache.set(sql, t);
    }
    return t;
  }

  function bind(params: readonly SqlValue[]): unknown[] {
    return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
  }

  async function migrate(): Promise<void> {
    const client = await pool.connect().catch((err: unknown) => {
      throw classify(err) ?? err;
    });
    try {
      const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
      for (const m of MIGRATIONS) {
        await client.query('BEGIN');
        try {
          // Held until COMMIT: a second instance starting now waits, then finds the work done.
          await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
          await client.query(schemaMigrationsDdl('postgres'));
          const newest = Number((await client.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0].v ?? 0);
          if (newest > known) {
            throw new StoreError(
              'migration_failed',
              `the database schema is at version ${newest}, newer than this Livegate knows (${known}): upgrade Livegate`,
            );
          }
          const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
          if (applied.rowCount === 0) {
            await client.query(m.sql('postgres'));
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              m.version,
              m.name,
              Date.now(),
            ]);
          }
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (err instanceof StoreError) throw err;
          const classified = classify(err);
          if (classified?.code === 'unavailable') throw classified;
          throw new StoreError('migration_failed', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
    } finally {
      client.release();
    }
  }

  // LISTEN needs one long-lived connection of its own, opened on first use.
  const handlers = new Map<string, Set<NotificationHandler>>();
  let listener: Promise<pg.Client> | null = null;

  function listenerClient(): Promise<pg.Client> {
    if (listener !== null) return listener;
    const client = new pg.Client({ ...clientConfig, application_name: `${clientConfig.application_name}-listen` });
    const lost = () => {
      if (closed || listener !== current) return;
      listener = null;
      client.end().catch(() => undefined);
      // Re-listen after a pause; notifications sent meanwhile are lost (see PostgresStore).
      if (handlers.size > 0) setTimeout(() => void relisten(), 1_000).unref();
    };
    client.on('notification', (msg) => {
      for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    client.on('error', lost);
    client.on('end', lost);
    const current: Promise<pg.Client> = client.connect().then(
      () => client,
      (err: unknown) => {
        if (listener === current) listener = null;
        throw classify(err) ?? err;
      },
    );
    listener = current;
    return current;
  }

  async function relisten(): Promise<void> {
    if (closed || handlers.size === 0) return;
    try {
      const client = await listenerClient();
      for (const channel of handlers.keys()) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch {
      if (!closed) setTimeout(() => void relisten(), 1_000).unref();
    }
  }

  const driver: SqlDriver = {
    dialect: 'postgres',
    async all(sql, params) {
      return (await pool.query({ text: text(sql), values: bind(params) })).rows as SqlRow[];
    },
    async run(sql, params) {
      return (await pool.query({ text: text(sql), values: bind(params) })).rowCount ?? 0;
    },
    encode(kind: ColumnKind, value: unknown): SqlValue {
      // JSON goes as text: pg would otherwise turn JS arrays into PostgreSQL arrays.
      if (kind === 'json') return value === null || value === undefined ? null : JSON.stringify(value);
      if (kind === 'bool') return Boolean(value);
      return value as Uint8Array;
    },
    decode(kind: ColumnKind, value: unknown): unknown {
      if (value === null || value === undefined) return null;
      // A copy: pg's Buffers may be views into a shared pool.
      if (kind === 'bytes') return new Uint8Array(value as Buffer);
      return value;
    },
    classify,
    byteLength: (column) => `octet_length(${column})`,
    claimLockClause: ' FOR UPDATE SKIP LOCKED',
    scrubSql: ['VACUUM FULL signing_keys, webhook_endpoints'],
    migrate,
    async close() {
      if (closed) return;
      closed = true;
      const l = listener;
      listener = null;
      handlers.clear();
      if (l !== null) await l.then((c) => c.end()).catch(() => undefined);
      await pool.end();
    },
  };

  const store = createSqlStore(driver);
  return {
    ...store,
    kind: 'postgres',
    async listen(channel, handler) {
      let set = handlers.get(channel);
      if (set === undefined) {
        set = new Set();
        handlers.set(channel, set);
        try {
          const client = await listenerClient();
          await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
        } catch (err) {
          handlers.delete(channel);
          throw classify(err) ?? err;
        }
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(channel);
        if (current === undefined || !current.delete(handler) || current.size > 0) return;
        handlers.delete(channel);
        if (listener === null || closed) return;
        const client = await listener.catch(() => null);
        await client?.query(`UNLISTEN ${client.escapeIdentifier(channel)}`).catch(() => undefined);
      };
    },
    async notify(channel, payload) {
      try {
        await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
      } catch (err) {
        throw classify(err) ?? err;
      }
    },
  };
}
