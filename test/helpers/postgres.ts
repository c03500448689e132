// A throwaway PostgreSQL cluster for tests: Debian's binaries, initdb (once, then copied) + pg_ctl in a temp dir,
// loopback only on a random free port, unix sockets in the temp dir, fsync off. No system service.
// Temp dirs go to /dev/shm when it is a roomy tmpfs.

import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chown, constants, mkdtemp, readdir, readFile, rename, rm, statfs } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { freePort } from './ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth: loopback only, throwaway). */
  url: string;
  port: number;
  /** Stops the server at once (crash-like: -m immediate), waits `downMs`, starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
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


async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
    throw new Error('tests run as root but there is no `postgres` OS user: run `apt-get install postgresql`');
  });
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

/** Runs a PostgreSQL tool (or cp) as the user PostgreSQL will run as. */
type AsPostgres = (file: string, args: string[]) => Promise<{ stdout: string; stderr: string }>;

const MIN_SHM_BYTES = 1024 ** 3;
let baseDirCache: Promise<string> | null = null;

/**
 * Where clusters live: /dev/shm when it is a roomy tmpfs (disk I/O is most of a cluster's
 * start-up on a busy machine), else the temp dir. Containers often cap /dev/shm at 64 MiB.
 */
function clusterBaseDir(): Promise<string> {
  baseDirCache ??= (async () => {
    if (process.platform !== 'linux') return tmpdir();
    try {
      const st = await statfs('/dev/shm');
      await access('/dev/shm', constants.W_OK);
      return st.bavail * st.bsize >= MIN_SHM_BYTES ? '/dev/shm' : tmpdir();
    } catch {
      return tmpdir();
    }
  })();
  return baseDirCache;
}

async function makeDir(asRoot: boolean, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(await clusterBaseDir(), prefix));
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  return dir;
}

/**
 * An initdb'd data directory, made once per PostgreSQL build and reused: initdb is most of the
 * start-up time, and copying its result is much faster. Made under a temp name and renamed into
 * place, so concurrent test processes never see a half-written one.
 */
async function initdbTemplate(bin: string, asRoot: boolean, asPostgres: AsPostgres): Promise<string> {
  const { stdout: version } = await run(join(bin, 'initdb'), ['--version']);
  const key = createHash('sha256').update(`${bin}\n${version}\n${process.getuid?.() ?? ''}`).digest('hex').slice(0, 16);
  const template = join(await clusterBaseDir(), `livegate-pg-template-${key}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const staging = await makeDir(asRoot, 'livegate-pg-initdb-');
  try {
    await asPostgres(join(bin, 'initdb'), [
      '-D', join(staging, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions',
    ]);
    await rename(join(staging, 'data'), template).catch((err: NodeJS.ErrnoException) => {
      // Another process finished first: use theirs.
      if (!existsSync(join(template, 'PG_VERSION'))) throw err;
    });
  } catch (err) {
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return template;
}

/** Starts a fresh cluster; `stop()` shuts it down and removes its directory. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  const bin = await newestBinDir(opts.root ?? DEFAULT_PG_ROOT);
  // PostgreSQL refuses to run as root: run its tools as the postgres user, who owns the temp dirs.
  const asRoot = process.getuid?.() === 0;
  const asPostgres: AsPostgres = (file, args) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  const pgTool = (tool: string, args: string[]) => asPostgres(join(bin, tool), args);

  const template = await initdbTemplate(bin, asRoot, asPostgres);
  const dir = await makeDir(asRoot, 'livegate-pg-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    // cp -a keeps the owner and the 0700 mode PostgreSQL insists on.
    await asPostgres('cp', ['-a', template, dataDir]);
  } catch (err) {
    await cleanup();
    throw new Error(`copying the initdb template failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, {
      cause: err,
    });
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
      const pgCtlStop = [join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop'];
      // A test process that exits without calling stop() must not leave a postmaster behind.
      const onExit = () => {
        if (stopped) return;
        spawnSync(asRoot ? 'runuser' : pgCtlStop[0], asRoot ? ['-u', 'postgres', '--', ...pgCtlStop] : pgCtlStop.slice(1));
        rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', onExit);
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        async restart(downMs = 0) {
          await pgTool('pg_ctl', pgCtlStop.slice(1));
          await new Promise((r) => setTimeout(r, downMs));
          await pgTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          process.removeListener('exit', onExit);
          await pgTool('pg_ctl', pgCtlStop.slice(1)).catch(() => undefined);
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
