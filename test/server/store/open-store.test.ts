// openStore: backend choice, data dir creation, migrations on open, errors that say what to check.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePostgresUrl, isPostgresUrl, openStore, SQLITE_FILE_NAME, StoreError, supportsNotifications } from '../../../server/store/index.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livegate-open-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe('openStore', () => {
  it('tells PostgreSQL URLs apart', () => {
    expect(isPostgresUrl('postgres://u:p@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://h/db')).toBe(true);
    expect(isPostgresUrl('mysql://h/db')).toBe(false);
    expect(isPostgresUrl(undefined)).toBe(false);
    expect(describePostgresUrl('postgres://alice:s3cret@db.internal:6543/livegate')).toBe('db.internal:6543/livegate');
  });

  it('creates the data dir and a migrated SQLite file, and keeps data across reopen', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await openStore({ dataDir });
    expect(store.kind).toBe('sqlite');
    expect(supportsNotifications(store)).toBe(false);
    expect(existsSync(join(dataDir, SQLITE_FILE_NAME))).toBe(true);
    await store.createTenant({ id: 't1', name: 'T', created_at: 1 });
    await store.close();

    const again = await openStore({ dataDir, databaseUrl: '' });
    expect(await again.countTenants()).toBe(1);
    await again.close();
  });

  it('says to check the data dir when it cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const err = await failure(openStore({ dataDir: join(blocker, 'data') }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/data directory/);
    expect(err.message).toContain(join(blocker, 'data', SQLITE_FILE_NAME));
  });

  it('says the PostgreSQL server is unreachable, without the password', async () => {
    const err = await failure(openStore({ dataDir: dir, databaseUrl: 'postgres://alice:s3cret-pw@127.0.0.1:1/livegate' }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toContain('127.0.0.1:1/livegate');
    expect(err.message).toMatch(/running and reachable/);
    expect(err.message).not.toContain('s3cret-pw');
    expect(err.message).not.toContain('alice:');
  });
});
