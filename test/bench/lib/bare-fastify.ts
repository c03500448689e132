// The REST anchor: a bare Fastify JSON route (no auth, no store, no validation, logging off) in
// its own child process, measured by the same autocannon settings in the same run as the real
// server, so the ratio between them carries over to other hardware.
// As a child: `node test/bench/lib/bare-fastify.ts <port>` prints "listening" when ready.
import { spawn, type ChildProcess } from 'node:child_process';
import Fastify from 'fastify';

/** What the anchor route answers: about the size of a session status read. */
const BODY = { session_id: 'ses_00000000000000000000000000', status: 'pending', verdict: null, created_at: '2026-01-01T00:00:00.000Z', expires_at: '2026-01-01T00:05:00.000Z' };

export interface BareFastify {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startBareFastify(): Promise<BareFastify> {
  const port = 21000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [import.meta.filename, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('listening')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`bare Fastify exited with ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (import.meta.main) {
  const app = Fastify({ logger: false });
  app.get('/', async () => BODY);
  await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
  process.stdout.write('listening\n');
}
