// A @fastify/rate-limit store over the database: with PostgreSQL, every instance counts against
// the same per-IP budget (a fixed window per key, one upsert per request). With SQLite (one
// instance) the plugin's in-memory store is used instead.
import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Store } from '../store/types.ts';

/** A store class for the plugin's `store` option; `namespace` keeps the API, MCP and capture budgets apart. */
export function sharedRateLimitStore(store: Pick<Store, 'hitRateLimit'>, namespace: string, now: () => number = Date.now): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    private readonly prefix: string;
    constructor(_options: FastifyRateLimitOptions, prefix = namespace) {
      this.prefix = prefix;
    }

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      const at = now();
      store.hitRateLimit(`${this.prefix}:${key}`, timeWindow, at).then(
        ({ count, resetAt }) => callback(null, { current: count, ttl: Math.max(0, resetAt - at) }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    child(routeOptions: { path: string }): FastifyRateLimitStore {
      return new SharedRateLimitStore({}, `${this.prefix}:${routeOptions.path}`);
    }
  }
  return SharedRateLimitStore;
}
