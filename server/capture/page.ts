// Serves the verification page, its assets, and the self-hosted runtimes and models it loads.
// Nothing comes from a CDN: MediaPipe WASM, onnxruntime-web and the models are served from here.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CAPTURE_DIST = path.join(ROOT, 'dist', 'capture');

// FINDINGS.md: MediaPipe needs wasm-unsafe-eval; workers may be blob: URLs; no third-party origins.
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** The installed folder of a package (its package.json is not always exported). */
function packageDir(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`Package ${name} is not installed; run npm ci.`);
}

function setPageHeaders(reply: FastifyReply): void {
  void reply
    .header('content-security-policy', PAGE_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('permissions-policy', 'camera=(self), microphone=(), geolocation=()')
    .header('cache-control', 'no-store');
}

export async function pageRoutes(app: FastifyInstance, { modelsDir, lab }: { modelsDir: string; lab: boolean }): Promise<void> {
  const readPage = (file: string): string => {
    const full = path.join(CAPTURE_DIST, file);
    if (!existsSync(full)) {
      throw new AppError('service_unavailable', 'The verification page is not built.', { hint: 'Run `npm run build:capture` (the README start command does it for you).' });
    }
    return readFileSync(full, 'utf8');
  };

  app.get('/s/:id', async (_request, reply) => {
    setPageHeaders(reply);
    return reply.type('text/html; charset=utf-8').send(readPage('index.html'));
  });

  if (lab) {
    app.get('/lab', async (_request, reply) => {
      setPageHeaders(reply);
      return reply.type('text/html; charset=utf-8').send(readPage('lab.html'));
    });
  }

  const serve = async (prefix: string, root: string, decorateReply = false) => {
    await app.register(fastifyStatic, {
      root,
      prefix,
      decorateReply,
      index: false,
      list: false,
      immutable: prefix === '/assets/',
      maxAge: prefix === '/assets/' ? '365d' : '1h',
      // A worker script's CSP comes from its own response: without it MediaPipe's worker would
      // post usage logs to a Google endpoint.
      setHeaders: (reply) => {
        void reply
          .header('x-content-type-options', 'nosniff')
          .header('cross-origin-resource-policy', 'same-origin')
          .header('content-security-policy', PAGE_CSP);
      },
    });
  };
  await serve('/assets/', path.join(CAPTURE_DIST, 'assets'), true);
  await serve('/vendor/mediapipe/wasm/', path.join(packageDir('@mediapipe/tasks-vision'), 'wasm'));
  await serve('/vendor/ort/', path.join(packageDir('onnxruntime-web'), 'dist'));
  await serve('/models/', modelsDir);
}
