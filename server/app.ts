// buildApp() wires services into a Fastify instance without listening (tests use inject()).
// Only server.ts listens.
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppServices } from './application/services.ts';
import { createAppServices } from './application/services.ts';
import { pageRoutes } from './capture/page.ts';
import { captureRoutes } from './capture/routes.ts';
import type { CaptureAnalyzer } from './capture/service.ts';
import type { Config } from './config.ts';
import { loadSecretBox } from './crypto/kek-source.ts';
import type { SecretBox } from './crypto/kek.ts';
import { AppError } from './errors.ts';
import { decorateAuth, installApiKeyAuth } from './http/auth.ts';
import { frameworkErrors, installErrorHandling } from './http/errors.ts';
import { installInputGuard } from './http/input-hooks.ts';
import { identityRoutes } from './identity/routes.ts';
import { sharedRateLimitStore } from './http/rate-limit-store.ts';
import { mcpHttpPlugin } from './mcp/http.ts';
import type { Metrics } from './observability/metrics.ts';
import { extraApiRoutes } from './routes/extra.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { readyRoutes } from './routes/ready.ts';
import { sessionRoutes } from './routes/sessions.ts';
import type { Store } from './store/types.ts';
import type { TlsMaterial } from './tls.ts';
import { VERSION } from './version.ts';
import { webhookRoutes } from './webhooks/routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

export interface BuildAppOptions {
  config: Config;
  store: Store;
  /** Clock for the services (tests freeze time). */
  now?: () => number;
  /** The analysis behind `finish`; default the real one (worker pool + models), false for none. */
  analyzer?: CaptureAnalyzer | false;
  /** Where logs go (default stdout); tests capture them to check redaction. */
  logStream?: { write(line: string): void };
  /** Start background loops (sweeper, webhook delivery) and warm the analysis worker. Off in most tests. */
  background?: boolean;
  /** The key-encryption key; default: loaded for `config` (LIVEGATE_KEK, LIVEGATE_KEK_FILE or <data>/kek.key). */
  secrets?: SecretBox;
  /** Serve HTTPS directly with this certificate and key (server/tls.ts loadTls reads and checks them). */
  tls?: TlsMaterial;
}

/** Secrets never reach the logs, wherever a serializer or a log call puts them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'authorization',
  'key',
  'secret',
  'token',
  'capture_token',
  '*.key',
  '*.secret',
  '*.capture_token',
  '*.token',
];

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, store } = options;
  const now = options.now ?? Date.now;
  const fastifyOptions = {
    logger:
      config.logLevel === 'silent'
        ? false
        : { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, ...(options.logStream ? { stream: options.logStream } : {}) },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    return503OnClosing: true,
    frameworkErrors,
    routerOptions: { ignoreTrailingSlash: true },
  };
  const app = (options.tls ? Fastify({ ...fastifyOptions, https: options.tls }) : Fastify(fastifyOptions)) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  installInputGuard(app);
  const built = await createAppServices({
    config,
    store,
    secrets: options.secrets ?? loadSecretBox(config).box,
    logger: app.log,
    now,
    analyzer: options.analyzer,
    background: options.background,
  });
  const { services } = built;
  const { metrics, sessions, webhooks, capture, authenticate } = services;
  installMetricsHooks(app, metrics);
  app.decorate('services', services);
  decorateAuth(app, store);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Livegate API', version: VERSION, description: 'Face liveness verification sessions bound to an action, with signed attestations.' },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The plugin's own CSP (hashes of its inline scripts), framed by nobody; plain http stays usable locally.
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header: string) =>
      header.replace(/frame-ancestors [^;]*;/, "frame-ancestors 'none';").replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { services });
  await app.register(readyRoutes, { check: services.readiness });

  // One budget per IP across every instance on a shared PostgreSQL; in memory with SQLite.
  const sharedLimits = store.kind === 'postgres';
  const rateLimited = (max: number, namespace: string) => ({
    max,
    timeWindow: 60_000,
    ...(sharedLimits ? { store: sharedRateLimitStore(store, namespace, now), skipOnError: true } : {}),
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string; max: number }) =>
      new AppError('rate_limited', `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}.`),
  });

  // API: per-IP rate limit first (onRequest, registered before auth), then the API key.
  await app.register(async (api) => {
    await api.register(fastifyRateLimit, rateLimited(config.apiRateLimitPerMin, 'api'));
    api.removeContentTypeParser('text/plain'); // JSON only: anything else is 415
    // API answers carry capture tokens (verification_url), attestation JWTs and webhook secrets:
    // never kept by a browser or a shared cache.
    api.addHook('onSend', async (_request, reply) => {
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    });
    installApiKeyAuth(api, authenticate);
    await api.register(sessionRoutes, { sessions });
    await api.register(webhookRoutes, { webhooks });
    await api.register(async (scope) => extraApiRoutes(scope, services));
    await api.register(metricsRoutes, { metrics });
    await api.register(async (scope) => identityRoutes(scope, services));
  });

  // MCP over Streamable HTTP (its own rate limit and auth, see server/mcp/http.ts).
  await app.register(async (scope) => mcpHttpPlugin(scope, services));

  // Capture: the page's endpoints, authenticated by the capture token.
  await app.register(async (scope) => {
    await scope.register(fastifyRateLimit, rateLimited(config.captureRateLimitPerMin, 'capture'));
    await scope.register(captureRoutes, { capture });
  });

  await app.register(pageRoutes, { modelsDir: config.modelsDir, lab: config.lab });

  if (options.background) built.start();
  app.addHook('onClose', async () => built.close());
  return app;
}

/** Accepted evidence chunks (with their bytes) and rate-limit refusals, counted as answers leave. */
function installMetricsHooks(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 429) {
      const path = request.url;
      metrics.rateLimited(path.startsWith('/mcp') ? 'mcp' : path.startsWith('/v1/capture') ? 'capture' : 'api');
    } else if (reply.statusCode === 200 && request.routeOptions.url === '/v1/capture/:id/chunk') {
      metrics.chunkReceived(Buffer.isBuffer(request.body) ? request.body.length : Number(request.headers['content-length']));
    }
  });
}

/**
 * LIVEGATE_TRUST_PROXY for Fastify: a hop count becomes "trust the first n peers" (Fastify
 * ignores X-Forwarded-For entirely for a bare number), so the client address is the one the
 * proxy appended, never a value a client wrote into the header before it.
 */
function trustProxyOption(setting: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}
