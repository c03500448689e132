// `livegate start` on a busy port, as a user runs it (the real CLI, real SQLite and PostgreSQL):
// one clear line with the next step, a non-zero exit, no stack trace, and no first key created
// (so none is lost): the next start on a free port creates and prints it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/index.ts';
import { livegate, startLivegate, stopChild } from '../helpers/cli.ts';
import { freePort } from '../helpers/ports.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

const start = startLivegate;

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

interface Target {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** CLI flags and environment selecting the store. */
  args(): string[];
  env(): Record<string, string>;
  countTenants(): Promise<number>;
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-busy-port-'));
let pgCluster: TestPostgres | null = null;

const targets: Target[] = [
  {
    name: 'sqlite',
    async setup() {},
    async teardown() {},
    args: () => ['--data', path.join(dataDir, 'sqlite')],
    env: () => ({}),
    async countTenants() {
      const store = await openStore({ dataDir: path.join(dataDir, 'sqlite') });
      try {
        return await store.countTenants();
      } finally {
        await store.close();
      }
    },
  },
  {
    name: 'postgres',
    async setup() {
      pgCluster = await startPostgres();
    },
    async teardown() {
      await pgCluster?.stop();
    },
    args: () => ['--data', path.join(dataDir, 'pg-local'), '--database-url', pgCluster!.url],
    env: () => ({ LIVEGATE_KEK: Buffer.alloc(32, 9).toString('base64') }),
    async countTenants() {
      const store = await openStore({ dataDir, databaseUrl: pgCluster!.url });
      try {
        return await store.countTenants();
      } finally {
        await store.close();
      }
    },
  },
];

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.each(targets)('livegate start on a busy port ($name)', (target) => {
  beforeAll(() => target.setup());
  afterAll(() => target.teardown());

  it('fails with one clear line and creates nothing; the next start on a free port prints the first key', async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    let busy: Awaited<ReturnType<typeof livegate>>;
    try {
      busy = await livegate(['start', '--port', String(port), '--log-level', 'warn', ...target.args()], target.env());
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(busy.code).toBe(1);
    // The error is one line (before it, an embedded first start may say it created the key file).
    const lines = busy.stderr.trim().split('\n');
    expect(lines.every((line) => line.startsWith('livegate: '))).toBe(true);
    expect(lines.filter((line) => !line.includes('key-encryption key file'))).toEqual([`livegate: cannot listen on 127.0.0.1:${port}: the port is already in use (another Livegate or another program); stop it, or start on a free port with --port <port> or LIVEGATE_PORT.`]);
    expect(busy.stderr).not.toMatch(/\n\s+at /);
    expect(busy.stdout).not.toMatch(/lg_/);
    // Nothing was created, so nothing was lost.
    expect(await target.countTenants()).toBe(0);

    const started = await start(['--port', String(port), ...target.args()], target.env());
    try {
      const key = /(lg_[A-Za-z0-9_-]+)/.exec(started.output())?.[1];
      expect(key).toBeDefined();
      const res = await fetch(`http://127.0.0.1:${port}/v1/sessions/00000000-0000-4000-8000-000000000000`, { headers: { 'x-api-key': key! } });
      expect(res.status).toBe(404); // the printed key works
    } finally {
      await stopChild(started.child);
    }
  });
});
