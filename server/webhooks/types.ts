// The webhook service's public shape: options, views and the service interface.
import type { SecretBox } from '../crypto/kek.ts';
import type { Store } from '../store/types.ts';
import type { WebhookEventType } from './events.ts';
import type { WebhookResolver } from './send.ts';

/** The subset of a pino logger the service uses (pino and Fastify's logger both fit). */
export interface WebhookLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WebhookServiceOptions {
  store: Store;
  logger: WebhookLogger;
  /** Seals the endpoint secrets in the store (the key-encryption key, server/crypto/kek.ts). */
  secrets: SecretBox;
  /**
   * LIVEGATE_WEBHOOK_ALLOW_PRIVATE: let receivers live on loopback, private, link-local, CGNAT and
   * ULA addresses and internal names. Off by default: the SSRF guard refuses them at registration
   * and at every delivery.
   */
  allowPrivate?: boolean;
  /** Host name resolution for deliveries (the system resolver by default). */
  resolve?: WebhookResolver;
  /** Clock in epoch ms; drives scheduling and the signature timestamp. */
  now?: () => number;
  /** Uniform [0, 1) source for retry jitter. */
  random?: () => number;
  pollIntervalMs?: number;
  maxAttempts?: number;
  maxClientErrorAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  batchSize?: number;
  concurrency?: number;
  maxEndpointsPerTenant?: number;
  /** Told the outcome of every delivery attempt (metrics). */
  onOutcome?: (outcome: 'delivered' | 'retry' | 'dead' | 'disable_endpoint' | 'abandoned' | 'error') => void;
}

export interface CreatedWebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** Shown once; the list never returns it. */
  secret: string;
  created_at: string;
}

export interface WebhookEndpointView {
  id: string;
  url: string;
  /** Empty means every event. */
  events: WebhookEventType[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
}

export interface DrainResult {
  /** Attempts made (each an HTTP request), whatever their outcome. */
  attempted: number;
  delivered: number;
}

export interface WebhookService {
  createEndpoint(tenantId: string, input: { url: string; events?: readonly string[] }): Promise<CreatedWebhookEndpoint>;
  listEndpoints(tenantId: string): Promise<WebhookEndpointView[]>;
  /** False when there is no such endpoint for this tenant. */
  deleteEndpoint(tenantId: string, id: string): Promise<boolean>;
  /**
   * Queues one delivery per enabled endpoint of the tenant subscribed to `eventType` (one of
   * WEBHOOK_EVENT_TYPES; anything else throws TypeError); returns the delivery ids.
   * With `key` (e.g. the session id) the delivery ids derive from endpoint, event and key, so
   * emitting the same event again queues nothing new: receivers see one `webhook-id`.
   */
  emit(tenantId: string, eventType: string, data: Record<string, unknown>, options?: { key?: string }): Promise<string[]>;
  /** Starts the background delivery loop. */
  start(): void;
  /** Delivers (one attempt each) everything due now; for tests and CLI tools. */
  drain(): Promise<DrainResult>;
  /** Stops the loop and waits for in-flight deliveries. */
  close(): Promise<void>;
}
