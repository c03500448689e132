// PostgreSQL-only parts: openStore on a URL, LISTEN/NOTIFY between two instances.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, supportsNotifications } from '../../../server/store/index.ts';
import { createPostgresStore, type PostgresStore } from '../../../server/store/postgres.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(() => cluster?.stop());

function nextNotification(): { handler: (p: string) => void; received: Promise<string>; all: string[] } {
  const all: string[] = [];
  let resolve!: (p: string) => void;
  const received = new Promise<string>((r) => (resolve = r));
  return {
    all,
    received,
    handler: (p) => {
      all.push(p);
      resolve(p);
    },
  };
}

describe('startPostgres', () => {
  it('fails loudly, naming the package, when the binaries are missing', async () => {
    await expect(startPostgres({ root: '/nonexistent/postgresql' })).rejects.toThrow(/apt-get install postgresql/);
  });
});

describe('PostgreSQL store', () => {
  it('is what openStore returns for a postgres:// URL, migrated', async () => {
    const store = await openStore({ dataDir: '/nonexistent-not-used', databaseUrl: cluster.url });
    try {
      expect(store.kind).toBe('postgres');
      expect(supportsNotifications(store)).toBe(true);
      expect(await store.countTenants()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('delivers NOTIFY from one instance to a listener on another, until unlistened', async () => {
    const a: PostgresStore = createPostgresStore(cluster.url);
    const b: PostgresStore = createPostgresStore(cluster.url);
    try {
      const first = nextNotification();
      const other = nextNotification();
      const stop = await a.listen('session_events', first.handler);
      await a.listen('Other Channel', other.handler);

      await b.notify('session_events', '{"session_id":"s1","status":"completed"}');
      expect(await first.received).toBe('{"session_id":"s1","status":"completed"}');

      await b.notify('Other Channel', 'x');
      expect(await other.received).toBe('x');

      await stop();
      await b.notify('session_events', 'after-unlisten');
      await b.notify('Other Channel', 'y'); // sent after, so its arrival proves the first was not delivered
      await expect.poll(() => other.all).toEqual(['x', 'y']);
      expect(first.all).toEqual(['{"session_id":"s1","status":"completed"}']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('listens again after its connection is killed', async () => {
    const a = createPostgresStore(cluster.url, { applicationName: 'lg-reconnect' });
    const b = createPostgresStore(cluster.url);
    try {
      const got: string[] = [];
      await a.listen('wake', (p) => got.push(p));
      await b.notify('wake', 'before');
      await expect.poll(() => got).toEqual(['before']);

      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        const killed = await admin.query(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'lg-reconnect-listen'",
        );
        expect(killed.rows).toEqual([{ ok: true }]);
      } finally {
        await admin.end();
      }
      // Notifications sent while it reconnects are lost by design; keep sending until one lands.
      let n = 0;
      await expect
        .poll(async () => {
          await b.notify('wake', `after-${++n}`);
          return got.some((p) => p.startsWith('after-'));
        }, { timeout: 10_000, interval: 200 })
        .toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
