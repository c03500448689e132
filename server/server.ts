// The one file that listens: opens the app (server/open.ts), listens (and on LIVEGATE_METRICS_PORT for metrics),
// then creates and prints the first key once (an empty store only), and closes gracefully on
// SIGINT/SIGTERM.
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ensureDefaultTenant, ListenError, listenOrExplain } from './bootstrap.ts';
import type { Config } from './config.ts';
import type { Metrics } from './observability/metrics.ts';
import { openApp } from './open.ts';

export interface StartOptions {
  out?: { write(text: string): unknown };
  /** Where notices about the data at rest go (created key file, tightened permissions); default stderr. */
  notices?: { write(text: string): unknown };
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<FastifyInstance> {
  const out = options.out ?? process.stdout;
  const notices = options.notices ?? process.stderr;
  const notice = (message: string) => notices.write(`livegate: ${message}\n`);
  const app = await openApp(config, { notice, listener: true, background: true });
  const store = app.services.store;
  // Listen first: a start that cannot serve (port taken) must not create the first key it could
  // never show.
  let metricsServer: Server | undefined;
  app.addHook('onClose', async () => {
    if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
  });
  await listenOrExplain(app, config);
  if (config.metricsPort !== undefined) {
    metricsServer = await listenMetrics(app.services.metrics, config.metricsPort, config.host).catch(async (err: unknown) => {
      await app.close();
      throw new ListenError(`cannot serve metrics on port ${config.metricsPort}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; choose a free port for --metrics-port or LIVEGATE_METRICS_PORT.`, { cause: err });
    });
  }
  const firstKey = await ensureDefaultTenant(store);
  if (firstKey) {
    out.write(
      [
        '',
        'Livegate created the default tenant and its first API key (shown once, stored hashed):',
        '',
        `  ${firstKey.key}`,
        '',
        'Keep it: create more with `livegate keys create --name NAME`.',
        '',
      ].join('\n'),
    );
  }
  out.write(`Livegate ${config.publicUrl} (storage: ${store.kind}${store.kind === 'sqlite' ? ` in ${config.dataDir}` : ''})\n`);
  if (config.metricsPort !== undefined) out.write(`  Metrics   http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.metricsPort}/metrics\n`);
  out.write(`  API docs  ${config.publicUrl}/docs\n  MCP       ${config.publicUrl}/mcp\n  JWKS      ${config.publicUrl}/.well-known/jwks.json\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  return app;
}

/** A bare HTTP listener answering GET /metrics only (LIVEGATE_METRICS_PORT). */
async function listenMetrics(metrics: Metrics, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served on this port.\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
