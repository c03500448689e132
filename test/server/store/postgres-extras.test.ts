// PostgreSQL-only parts: openStore on a URL, LISTEN/NOTIFY between two instances.

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
});
