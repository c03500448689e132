// AppServices: the services behind every transport (REST routes, MCP tools over HTTP and stdio,
// the capture endpoints), built once per process by createAppServices. Transports adapt these;
// they never build a service of their own.
import type { FastifyBaseLogger } from 'fastify';
import { createAnalyzer, type Analyzer } from '../analysis/analyzer.ts';
import { createKeyring, type Keyring } from '../attestation/keyring.ts';
import { signAttestation } from '../attestation/sign.ts';
import { createApiKeyAuthenticator } from '../auth/api-keys.ts';
import { createCaptureService, type CaptureAnalyzer, type CaptureService } from '../capture/service.ts';
import type { Config } from '../config.ts';
import { resealSecrets } from '../crypto/kek-store.ts';
import type { SecretBox } from '../crypto/kek.ts';
import { identityModelPresent, IdentityModelMissing } from '../identity/embed.ts';
import { createTemplateService, type TemplateService } from '../identity/templates.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { createPolicyService, type PolicyService } from '../policies/service.ts';
import { createTenantFloorService, type TenantFloorService } from '../policies/tenant-floor.ts';
import { createLocalSessionChanges, createPostgresSessionChanges } from '../sessions/changes.ts';
import { createSessionService, type SessionService } from '../sessions/service.ts';
import { supportsNotifications } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { createWebhookService, type WebhookService } from '../webhooks/service.ts';
import { createReadinessCheck, type Readiness } from './readiness.ts';
import { startSweeper } from './sweeper.ts';

export interface AppServices {
  config: Config;
  store: Store;
  keyring: Keyring;
  sessions: SessionService;
  capture: CaptureService;
  webhooks: WebhookService;
  authenticate: ReturnType<typeof createApiKeyAuthenticator>;
  metrics: Metrics;
  /** Face templates of the identity check (server/identity). */
  templates: TemplateService;
  /** Stored verification policies (REST /v1/policies and the MCP policy tools share this one). */
  policies: PolicyService;
  /** The tenant's policy floor. */
  floors: TenantFloorService;
  /** Readiness of this instance (models, store, schema): GET /readyz. */
  readiness: () => Promise<Readiness>;
  /** When the services were built (uptime of /healthz and the health-check tool). */
  startedAt: number;
}

export interface AppServicesOptions {
  config: Config;
  store: Store;
  secrets: SecretBox;
  logger: FastifyBaseLogger;
  /** Clock for the services (tests freeze time). */
  now?: () => number;
  /** The analysis behind `finish`; default the real one (worker pool + models), false for none. */
  analyzer?: CaptureAnalyzer | false;
  /** Warm the analysis worker now (a serving process; see BuiltServices.start for the loops). */
  background?: boolean;
}

export interface BuiltServices {
  services: AppServices;
  /** Starts the background loops: webhook delivery and the sweep (serving processes only). */
  start(): void;
  /** Stops the background loops and releases what the services hold (not the store). */
  close(): Promise<void>;
}

export async function createAppServices(options: AppServicesOptions): Promise<BuiltServices> {
  const { config, store, secrets, logger } = options;
  const now = options.now ?? Date.now;
  const metrics = createMetrics(store);
  // Secrets stored before encryption (or under a rotated-out key) are sealed under the current key
  // before anything reads them.
  const resealed = await resealSecrets(store, secrets);
  const counts = [...Object.values(resealed.plaintext), ...Object.values(resealed.rotated)];
  if (counts.some((n) => n > 0)) logger.info({ kek_id: secrets.keyId, ...resealed }, 'sealed stored secrets under the current key-encryption key');
  const templates = createTemplateService({ store, secrets, now });
  const resealedTemplates = await templates.reseal();
  if (resealedTemplates > 0) logger.info({ kek_id: secrets.keyId, identity_templates: resealedTemplates }, 'sealed face templates under the current key-encryption key');
  const keyring = createKeyring(store, { secrets, tokenTtlS: config.attestationTtlS, activationDelayS: config.signingKeyActivationDelayS, now });
  await keyring.ensureKey();
  const webhooks = createWebhookService({ store, logger, secrets, now, allowPrivate: config.webhookAllowPrivate, onOutcome: metrics.webhookOutcome });
  // Several instances may share a PostgreSQL database: their waits hear each other's changes.
  const changes = supportsNotifications(store) ? await createPostgresSessionChanges(store, { logger }) : createLocalSessionChanges();
  const sessions = createSessionService({
    changes,
    store,
    signer: { sign: (input) => signAttestation(keyring, input) },
    publicUrl: config.publicUrl,
    attestationTtlS: config.attestationTtlS,
    webhooks,
    lockout: { failures: config.lockoutFailures, windowS: config.lockoutWindowS, durationS: config.lockoutDurationS },
    now,
    logger,
    identityUnavailable: () => (identityModelPresent(config.modelsDir) ? null : new IdentityModelMissing(config.modelsDir).message),
  });
  const analyzer =
    options.analyzer === false
      ? undefined
      : (options.analyzer ?? createAnalyzer({ store, sessions, modelsDir: config.modelsDir, evidenceRetentionS: config.evidenceRetentionS, now, warmup: options.background === true, templates }));
  const capture = createCaptureService({ store, sessions, analyzer: analyzer && metrics.instrumentAnalyzer(analyzer), now, identityRetentionS: config.identityRetentionS });
  const services: AppServices = {
    config,
    store,
    keyring,
    sessions,
    capture,
    webhooks,
    authenticate: createApiKeyAuthenticator(store, now),
    metrics,
    templates,
    policies: createPolicyService({ store }),
    floors: createTenantFloorService({ store }),
    readiness: createReadinessCheck({ store, modelsDir: config.modelsDir }),
    startedAt: now(),
  };
  let stopSweeper = () => {};
  return {
    services,
    start() {
      webhooks.start();
      stopSweeper = startSweeper(services, { now, logger });
    },
    async close() {
      stopSweeper();
      await webhooks.close();
      await changes.close();
      if (analyzer && 'close' in analyzer) await (analyzer as Analyzer).close();
    },
  };
}
