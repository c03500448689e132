// The one open-and-build path of a process that runs the services: the key-encryption key, the
// TLS material (`livegate start`), the store, then buildApp. `livegate start` (server.ts) and
// `livegate mcp` (mcp/stdio.ts) both open through here; closing the app closes the store.
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from './app.ts';
import type { Config } from './config.ts';
import { loadSecretBox } from './crypto/kek-source.ts';
import { openStore } from './store/index.ts';
import { insecurePublicUrlWarning, loadTls } from './tls.ts';

export interface OpenAppOptions extends Pick<BuildAppOptions, 'background' | 'analyzer'> {
  /** Where notices about the data at rest go (created key file, tightened permissions). */
  notice(message: string): void;
  env?: NodeJS.ProcessEnv;
  /** The listening server: HTTPS when configured, and a warning for a plain-http public URL. */
  listener?: boolean;
}

export async function openApp(config: Config, options: OpenAppOptions): Promise<FastifyInstance> {
  const { notice } = options;
  // Before the store: a PostgreSQL deployment without a key-encryption key stops here, and so
  // does a TLS key that does not open or match its certificate.
  const { box: secrets } = loadSecretBox(config, options.env, notice);
  const tls = options.listener ? loadTls(config) : undefined;
  if (options.listener) {
    const insecure = insecurePublicUrlWarning(config.publicUrl);
    if (insecure) notice(insecure);
  }
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, notice });
  let app: FastifyInstance;
  try {
    app = await buildApp({ config, store, secrets, tls, background: options.background, ...(options.analyzer === undefined ? {} : { analyzer: options.analyzer }) });
  } catch (err) {
    await store.close();
    throw err;
  }
  app.addHook('onClose', async () => store.close());
  return app;
}
