/**
 * A real Livegate server (buildApp over a temp SQLite store) listening on a free local port, for
 * browser tests: Chromium loads the built page, the runtimes and the models from it.
 * The page must be built first (`npm run build:capture`); ensureCaptureBuilt() does it once.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ConfigInput } from '../../server/config.ts';
import { createTestApp, type TestApp } from './app.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
export const SHARED_MODELS = resolve(ROOT, '../shared/models');

export interface LivegateServer {
  origin: string;
  key: string;
  test: TestApp;
  /**
   * Create a session over the REST API; returns the page URL on this origin (token in the fragment).
   * `key`: another API key than the default tenant's full-access one.
   */
  createSession(body?: Record<string, unknown>, key?: string): Promise<{ session_id: string; url: string; verification_url: string }>;
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

let built: Promise<void> | null = null;

/**
 * Build dist/capture once per process when it is missing or when LIVEGATE_REBUILD is set; under
 * a file lock so parallel test files never empty the folder under each other.
 */
export function ensureCaptureBuilt(): Promise<void> {
  built ??= (async () => {
    if (existsSync(resolve(ROOT, 'dist/capture/index.html')) && !process.env.LIVEGATE_REBUILD) return;
    await run('flock', ['/tmp/livegate-capture-build.lock', 'npx', 'vite', 'build', '--config', 'capture/vite.config.ts'], { cwd: ROOT, maxBuffer: 16 << 20 });
  })();
  return built;
}

export interface StartLivegateOptions {
  lab?: boolean;
  modelsDir?: string;
  /** More config (e.g. evidenceRetentionS so a test can read the stored chunks). */
  config?: ConfigInput;
  /** The services' clock (a test moves it forward to expire a session). */
  now?: () => number;
}

export async function startLivegate(opts: StartLivegateOptions = {}): Promise<LivegateServer> {
  await ensureCaptureBuilt();
  const modelsDir = opts.modelsDir ?? (existsSync(resolve(ROOT, 'models/face_landmarker.task')) ? resolve(ROOT, 'models') : SHARED_MODELS);
  const test = await createTestApp({ modelsDir, lab: opts.lab ?? false, ...opts.config }, opts.now ? { now: opts.now } : {});
  await test.app.listen({ port: 0, host: '127.0.0.1' });
  const address = test.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const origin = `http://127.0.0.1:${address.port}`;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(origin + path, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': test.key, ...(init.headers as Record<string, string>) } });
  return {
    origin,
    key: test.key,
    test,
    api,
    async createSession(body = {}, key?: string) {
      const res = await api('/v1/sessions', { method: 'POST', headers: key ? { 'x-api-key': key } : {}, body: JSON.stringify({ action_description: 'Approve: Wire transfer of $50,000 to Acme Corp', ...body }) });
      if (!res.ok) throw new Error(`POST /v1/sessions: ${res.status} ${await res.text()}`);
      const created = (await res.json()) as { session_id: string; verification_url: string };
      const u = new URL(created.verification_url);
      return { session_id: created.session_id, verification_url: created.verification_url, url: `${origin}${u.pathname}${u.hash}` };
    },
    async close() {
      await test.close();
    },
  };
}
