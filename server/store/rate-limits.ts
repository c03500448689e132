// The rate-limit counters' queries (both dialects accept them: upsert with RETURNING), kept out
// of sql-store.ts so that file stays one screenful of concerns.
import type { QueryRunner } from './sql-driver.ts';
import type { Store } from './types.ts';

export function rateLimitQueries({ all, run }: QueryRunner): Pick<Store, 'hitRateLimit' | 'pruneRateLimits'> {
  return {
    async hitRateLimit(key, windowMs, now) {
      // One statement: PostgreSQL serialises upserts on the key, SQLite has one writer.
      const rows = await all(
        `INSERT INTO rate_limits (key, count, reset_at) VALUES (?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.count + 1 END,
           reset_at = CASE WHEN rate_limits.reset_at <= ? THEN ? ELSE rate_limits.reset_at END
         RETURNING count, reset_at`,
        [key, now + windowMs, now, now, now + windowMs],
      );
      return { count: Number(rows[0].count), resetAt: Number(rows[0].reset_at) };
    },
    pruneRateLimits: (now) => run('DELETE FROM rate_limits WHERE reset_at <= ?', [now]),
  };
}
