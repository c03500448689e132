// What a SQL dialect provides to the shared queries (sql-store.ts), and the small query kit the
// query modules (sessions, evidence, webhooks, rate limits, identity templates, probe) are written
// against. A leaf: the query modules and the drivers import it, it imports none of them.
import type { Dialect } from './migrations.ts';
import type { ColumnKind, TableSpec } from './tables.ts';
import { TERMINAL_STATUSES, type StoreError } from './types.ts';

export type SqlValue = string | number | bigint | boolean | null | Uint8Array;
export type SqlRow = Record<string, unknown>;

/** What a dialect provides to the shared queries. */
export interface SqlDriver {
  readonly dialect: Dialect;
  /** Runs one statement with `?` placeholders; returns its rows (RETURNING included). */
  all(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs one statement; returns how many rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  encode(kind: ColumnKind, value: unknown): SqlValue;
  decode(kind: ColumnKind, value: unknown): unknown;
  /** Maps a driver error to a StoreError when it is one a caller can act on. */
  classify(err: unknown): StoreError | null;
  /** SQL expression for the byte length of a bytes column. */
  byteLength(column: string): string;
  /** Appended to the row-picking subquery of a claim (PostgreSQL: FOR UPDATE SKIP LOCKED). */
  readonly claimLockClause: string;
  /** Statements that drop copies of rewritten values the database still keeps (see Store.scrubRewrittenSecrets). */
  readonly scrubSql: readonly string[];
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Runs statements with driver errors mapped to StoreError. */
export interface QueryRunner {
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** The query kit: statements plus the row conversions of one table spec. */
export interface SqlKit extends QueryRunner {
  readonly driver: SqlDriver;
  /** A column value as the driver stores it (JSON, booleans, bytes by the spec's column kinds). */
  param(spec: TableSpec, column: string, value: unknown): SqlValue;
  first<T>(spec: TableSpec, sql: string, params: readonly SqlValue[]): Promise<T | null>;
  many<T>(spec: TableSpec, sql: string, params: readonly SqlValue[]): Promise<T[]>;
  /** Inserts a row with every column of the spec. */
  insert(spec: TableSpec, row: object): Promise<void>;
  /** `SET a = ?, b = ?` for the patch keys that are allowed and defined. */
  setClause(spec: TableSpec, allowed: readonly string[], patch: object): { sql: string; params: SqlValue[] };
}

/** The terminal statuses as an SQL list: `('completed', ...)`. */
export const ENDED_STATUSES = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ')})`;

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

export function createSqlKit(driver: SqlDriver): SqlKit {
  const insertSql = new Map<TableSpec, string>();
  const converted = new Map<TableSpec, [string, ColumnKind][]>();

  async function all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    try {
      return await driver.all(sql, params);
    } catch (err) {
      throw driver.classify(err) ?? err;
    }
  }

  async function run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      return await driver.run(sql, params);
    } catch (err) {
      throw driver.classify(err) ?? err;
    }
  }

  function decode<T>(spec: TableSpec, row: SqlRow): T {
    let cols = converted.get(spec);
    if (cols === undefined) {
      cols = Object.entries(spec.kinds);
      converted.set(spec, cols);
    }
    // A plain object (drivers may hand out null-prototype rows), then convert the few typed columns.
    const out: Record<string, unknown> = { ...row };
    for (const [column, kind] of cols) {
      if (column in out) out[column] = driver.decode(kind, out[column]);
    }
    return out as T;
  }

  function param(spec: TableSpec, column: string, value: unknown): SqlValue {
    const kind = spec.kinds[column];
    if (kind !== undefined) return driver.encode(kind, value);
    return value === undefined ? null : (value as SqlValue);
  }

  return {
    driver,
    all,
    run,
    param,
    async first<T>(spec: TableSpec, sql: string, params: readonly SqlValue[]): Promise<T | null> {
      const rows = await all(sql, params);
      return rows.length === 0 ? null : decode<T>(spec, rows[0]);
    },
    async many<T>(spec: TableSpec, sql: string, params: readonly SqlValue[]): Promise<T[]> {
      const rows = await all(sql, params);
      return rows.map((r) => decode<T>(spec, r));
    },
    async insert(spec: TableSpec, row: object): Promise<void> {
      let sql = insertSql.get(spec);
      if (sql === undefined) {
        sql = `INSERT INTO ${spec.name} (${spec.columns.join(', ')}) VALUES (${placeholders(spec.columns.length)})`;
        insertSql.set(spec, sql);
      }
      const values = row as Record<string, unknown>;
      await run(sql, spec.columns.map((c) => param(spec, c, values[c])));
    },
    setClause(spec: TableSpec, allowed: readonly string[], patch: object) {
      const values = patch as Record<string, unknown>;
      const cols = allowed.filter((c) => values[c] !== undefined);
      return { sql: cols.map((c) => `${c} = ?`).join(', '), params: cols.map((c) => param(spec, c, values[c])) };
    },
  };
}
