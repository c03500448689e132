// The one file that listens: opens the store, listens, then creates and prints the first key once
// (an empty store only), and closes gracefully on SIGINT/SIGTERM.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ensureDefaultTenant, listenOrExplain } from './bootstrap.ts';
import type { Config } from './config.ts';
import { loadSecretBox } from './crypto/kek-source.ts';
import { openStore } from './store/index.ts';

export interface StartOptions {
  out?: { write(text: string): unknown };
  /** Where notices about the data at rest go (created key file, tightened permissions); default stderr. */
  notices?: { write(text: string): unknown };
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<FastifyInstance> {
  const out = options.out ?? process.stdout;
  const notices = options.notices ?? process.stderr;
  const notice = (message: string) => notices.write(`livegate: ${message}\n`);
  // Before the store: a PostgreSQL deployment without a key-encryption key stops here.
  const { box: secrets } = loadSecretBox(config, undefined, notice);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, notice });
  let app: FastifyInstance;
  try {
    app = await buildApp({ config, store, background: true, secrets });
  } catch (err) {
    await store.close();
    throw err;
  }
  app.addHook('onClose', async () => store.close());
  // Listen first: a start that cannot serve (port taken) must not create the first key it could
  // never show.
  await listenOrExplain(app, config);
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
