// A throwaway PostgreSQL cluster for tests: Debian's binaries, initdb + pg_ctl in a temp dir,
// loopback only on a random free port, unix sockets in the temp dir, fsync off. No system service.

import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth: loopback only, throwaway). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Where Debian puts the versioned PostgreSQL installs. */
  root?: string;
}

export const DEFAULT_PG_ROOT = '/usr/lib/postgresql';

async function newestBinDir(root: string): Promise<string> {
  const versions = (existsSync(root) ? await readdir(root) : [])
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(`PostgreSQL binaries (initdb, pg_ctl) not found under ${root}/*/bin: run \`apt-get install postgresql\``);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
    throw new Error('tests run as root but there is no `postgres` OS user: run `apt-get install postgresql`');
  });
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

/** Starts a fresh cluster; `stop()` shuts it down and removes its directory. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  const bin = await newestBinDir(opts.root ?? DEFAULT_PG_ROOT);
  const dir = await mkdtemp(join(tmpdir(), 'livegate-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  // PostgreSQL refuses to run as root: run its tools as the postgres user, who owns the temp dir.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  const pgTool = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  } catch (err) {
    await cleanup();
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  }

  let lastError: unknown;
  // A free port can be taken between probing and binding: try a few.
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const options = [
      `-p ${port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=${dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=100',
    ].join(' ');
    try {
      await pgTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
      let stopped = false;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        async stop() {
          if (stopped) return;
          stopped = true;
          await pgTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
          await cleanup();
        },
      };
    } catch (err) {
      lastError = err;
    }
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  await cleanup();
  throw new Error(`pg_ctl start failed: ${(lastError as Error).message}\n${log.slice(-2000)}`, { cause: lastError });
}
