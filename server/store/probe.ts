// What readiness, metrics and `livegate doctor` ask of the database: the schema version it is at,
// its clock, and the sessions it holds by status. Both dialects; kept out of sql-store.ts.
import type { Dialect } from './migrations.ts';
import type { QueryRunner } from './sql-driver.ts';
import type { Store } from './types.ts';

export function probeQueries({ all }: Pick<QueryRunner, 'all'>, dialect: Dialect): Pick<Store, 'probe' | 'countSessionsByStatus'> {
  return {
    async probe() {
      const version = await all('SELECT MAX(version) AS v FROM schema_migrations');
      // SQLite runs in this process: its clock is ours. PostgreSQL answers with the server's own.
      const clockMs =
        dialect === 'postgres'
          ? Number((await all('SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint AS t'))[0].t)
          : Date.now();
      return { schemaVersion: Number(version[0]?.v ?? 0), clockMs };
    },
    async countSessionsByStatus() {
      const rows = await all('SELECT status, verdict, COUNT(*) AS n FROM sessions GROUP BY status, verdict');
      return rows.map((r) => ({ status: String(r.status) as never, verdict: (r.verdict ?? null) as never, count: Number(r.n) }));
    },
  };
}
