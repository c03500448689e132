// A real `livegate start` child process on a fresh data dir for the HTTP benchmarks, so the load
// generator and the server are separate processes, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLI = path.resolve(import.meta.dirname, '../../../server/cli.ts');

export interface BenchServer {
  url: string;
  /** The first API key the server printed (full access). */
  key: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the server with logging off and the rate limits raised; extra env (DATABASE_URL, ...) on top. */
export async function startBenchServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-bench-'));
  const port = 19000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [CLI, 'start', '--data', dataDir, '--port', String(port), '--log-level', 'silent'], {
    env: { ...process.env, LIVEGATE_API_RATE_LIMIT: '100000000', LIVEGATE_MCP_RATE_LIMIT: '100000000', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('API docs')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  const key = /(lg_[A-Za-z0-9_-]+)/.exec(out)?.[1];
  if (!key) throw new Error('the server printed no first key (data dir not empty?)');
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
