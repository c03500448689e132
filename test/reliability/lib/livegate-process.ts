// A real `livegate start` in a child process (the CLI, as an operator runs it) on a loopback
// port: for the load and fault suites, which kill it with SIGKILL, restart it, read its memory
// and run two of them on one PostgreSQL database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLI } from '../../helpers/cli.ts';
import { SHARED_MODELS } from '../../helpers/livegate-server.ts';
import { freePort } from '../../helpers/ports.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
export const MODELS_DIR = existsSync(resolve(ROOT, 'models/2.7_80x80_MiniFASNetV2.onnx')) ? resolve(ROOT, 'models') : SHARED_MODELS;

export interface LivegateProcess {
  origin: string;
  port: number;
  pid: number;
  /** The first API key, when this start created the default tenant. */
  firstKey: string | null;
  output(): string;
  /** Resident memory of the server process (bytes), from /proc. */
  rss(): number;
  /** SIGKILL: no shutdown hook runs; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (graceful close). */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartProcessOptions {
  dataDir: string;
  databaseUrl?: string;
  port?: number;
  /** More environment (LIVEGATE_* settings). */
  env?: Record<string, string>;
}

/**
 * Settings every reliability server runs with: no rate limits in the way, fast sweeps, loopback
 * webhook receivers allowed, and one key-encryption key for every start of this test process
 * (a restart, or a second instance on the same PostgreSQL, must read what the first one wrote).
 */
export const RELIABILITY_ENV = {
  LIVEGATE_KEK: randomBytes(32).toString('base64'),
  LIVEGATE_API_RATE_LIMIT: '1000000',
  LIVEGATE_MCP_RATE_LIMIT: '1000000',
  LIVEGATE_CAPTURE_RATE_LIMIT: '1000000',
  LIVEGATE_SWEEP_INTERVAL_MS: '500',
  LIVEGATE_WEBHOOK_ALLOW_PRIVATE: '1',
  LIVEGATE_LOG_LEVEL: 'warn',
};

export async function startLivegateProcess(opts: StartProcessOptions): Promise<LivegateProcess> {
  const port = opts.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...RELIABILITY_ENV,
    LIVEGATE_MODELS: MODELS_DIR,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : { DATABASE_URL: '' }),
    ...opts.env,
  };
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--data', opts.dataDir, '--port', String(port), '--host', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const origin = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 120_000;
  let ready = false;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!ready && !gone && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    // Ready once listening and the start banner (after the first key, if any) is out.
    if (!out.includes('MCP ')) continue;
    ready = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false);
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`livegate start did not come up on ${origin}:\n${out.slice(-3000)}`);
  }
  const firstKey = /^\s+(lg_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43})\s*$/m.exec(out)?.[1] ?? null;
  return {
    origin,
    port,
    pid: child.pid!,
    firstKey,
    output: () => out,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    exited,
  };
}
