// The background sweep of a serving process: expired sessions, missed webhooks, evidence and
// fingerprints past retention, old webhook history, face templates, shared rate-limit rows.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { TemplateService } from '../identity/templates.ts';
import type { SessionService } from '../sessions/service.ts';
import type { Store } from '../store/types.ts';

export interface SweptServices {
  config: Config;
  store: Store;
  sessions: SessionService;
  templates: TemplateService;
}

/** Starts the sweep every config.sweepIntervalMs; returns its stop. */
export function startSweeper(services: SweptServices, { now, logger }: { now: () => number; logger: FastifyBaseLogger }): () => void {
  const { config, store, sessions, templates } = services;
  const sharedLimits = store.kind === 'postgres';
  const sweeper = setInterval(() => {
    sessions.sweepExpired().catch((err: unknown) => logger.error({ err }, 'expiry sweep failed'));
    sessions.queueMissedWebhooks().catch((err: unknown) => logger.error({ err }, 'webhook recovery sweep failed'));
    // Evidence outlives its session's end by the retention period at most (expired and
    // cancelled sessions included, which never reach the analyzer's purge).
    store.purgeEvidenceBefore(now() - config.evidenceRetentionS * 1000).catch((err: unknown) => logger.error({ err }, 'evidence purge failed'));
    // Evidence fingerprints (one-way hashes, no pixels) outlive the evidence: replays are
    // refused for the longer of the two windows.
    store.purgeEvidenceFingerprintsBefore(now() - Math.max(config.replayWindowS, config.evidenceRetentionS) * 1000).catch((err: unknown) => logger.error({ err }, 'fingerprint purge failed'));
    store.pruneDeliveries(now() - config.webhookHistoryS * 1000).catch((err: unknown) => logger.error({ err }, 'webhook history prune failed'));
    templates.sweep(config.identityRetentionS).catch((err: unknown) => logger.error({ err }, 'face template retention sweep failed'));
    if (sharedLimits) store.pruneRateLimits(now()).catch((err: unknown) => logger.error({ err }, 'rate-limit prune failed'));
  }, config.sweepIntervalMs);
  sweeper.unref();
  return () => clearInterval(sweeper);
}
