// The webhook service: endpoint management per tenant, a durable outbox (one delivery row per
// endpoint and event, in the Store) and a delivery loop that signs, POSTs and retries.
// All delivery state lives in the store, so a restart (or a second server on the same store)
// picks up where the last one stopped: a claimed delivery whose process died becomes claimable
// again once its `locked_until` passes.
import { createHash, randomBytes } from 'node:crypto';
import { openWebhookSecret, sealWebhookSecret } from '../crypto/kek-store.ts';
import { StoreError, type DeliveryRow, type WebhookEndpointRow } from '../store/types.ts';
import { AppError } from '../errors.ts';
import {
  buildWebhookPayload,
  endpointWantsEvent,
  isWebhookEventType,
  WEBHOOK_EVENT_TYPES,
  webhookPayloadSchema,
  type WebhookEventType,
} from './events.ts';
import {
  decideAfterAttempt,
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_CLIENT_ERROR_ATTEMPTS,
  DEFAULT_MAX_DELAY_MS,
  type AttemptDecision,
  type AttemptResult,
  type RetryPolicy,
} from './retry-policy.ts';
import { sendWebhook } from './send.ts';
import type { CreatedWebhookEndpoint, DrainResult, WebhookEndpointView, WebhookService, WebhookServiceOptions } from './types.ts';
import { redactWebhookUrl, validateWebhookUrl, type AddressPolicy } from './url.ts';

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Deliveries claimed per store round trip. */
export const DEFAULT_BATCH_SIZE = 20;
/** Requests the background loop keeps in flight at once. */
export const DEFAULT_CONCURRENCY = 20;
/** Each endpoint multiplies every event into one delivery: keep the fan-out bounded. */
export const DEFAULT_MAX_ENDPOINTS_PER_TENANT = 20;
/** Extra lock time beyond the request timeout, for signing and store writes around the request. */
export const LOCK_MARGIN_MS = 30_000;

export type { CreatedWebhookEndpoint, DrainResult, WebhookEndpointView, WebhookLogger, WebhookService, WebhookServiceOptions } from './types.ts';

export function createWebhookService(options: WebhookServiceOptions): WebhookService {
  const { store, logger } = options;
  const addressPolicy: AddressPolicy = { allowPrivate: options.allowPrivate ?? false };
  const resolve = options.resolve;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const maxEndpointsPerTenant = options.maxEndpointsPerTenant ?? DEFAULT_MAX_ENDPOINTS_PER_TENANT;
  const lockMs = requestTimeoutMs + LOCK_MARGIN_MS;
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    maxClientErrorAttempts: options.maxClientErrorAttempts ?? DEFAULT_MAX_CLIENT_ERROR_ATTEMPTS,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
  };

  let running = false;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let activeTick: Promise<void> | null = null;
  let wakeRequested = false;
  /** Deliveries the loop started that have not finished. */
  let loopActive = 0;
  /** The last tick found every slot taken: the next finishing delivery triggers a claim. */
  let saturated = false;
  const inFlight = new Set<Promise<unknown>>();

  function parseEvents(events: readonly string[] | undefined): WebhookEventType[] {
    if (events === undefined) return [];
    const unknown = events.filter((event) => !isWebhookEventType(event));
    if (unknown.length > 0) {
      throw new AppError('invalid_request', `Unknown webhook event type${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}.`, {
        hint: `Subscribe to any of ${WEBHOOK_EVENT_TYPES.join(', ')}, or leave "events" out to receive all of them.`,
        details: { field: 'events', unknown },
      });
    }
    return [...new Set(events as WebhookEventType[])];
  }

  function toView(row: WebhookEndpointRow): WebhookEndpointView {
    return {
      id: row.id,
      url: row.url,
      events: row.events.filter(isWebhookEventType),
      enabled: row.enabled,
      disabled_reason: row.disabled_reason,
      created_at: new Date(row.created_at).toISOString(),
    };
  }

  async function createEndpoint(tenantId: string, input: { url: string; events?: readonly string[] }): Promise<CreatedWebhookEndpoint> {
    const url = validateWebhookUrl(input.url, addressPolicy);
    const events = parseEvents(input.events);
    const existing = await store.listWebhookEndpoints(tenantId);
    if (existing.length >= maxEndpointsPerTenant) {
      throw new AppError('invalid_request', `This tenant already has ${existing.length} webhook endpoints, the most allowed.`, {
        hint: 'Delete an endpoint you no longer use (DELETE /v1/webhooks/{id}), or subscribe one endpoint to several events.',
        details: { limit: maxEndpointsPerTenant },
      });
    }
    const id = `wh_${randomBytes(12).toString('base64url')}`;
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const row: WebhookEndpointRow = {
      id,
      tenant_id: tenantId,
      url,
      secret: sealWebhookSecret(options.secrets, id, secret),
      events,
      enabled: true,
      disabled_reason: null,
      created_at: now(),
    };
    await store.insertWebhookEndpoint(row);
    logger.info({ tenant_id: tenantId, endpoint_id: row.id, url: redactWebhookUrl(url), events }, 'webhook endpoint created');
    return { id: row.id, url, events, secret, created_at: new Date(row.created_at).toISOString() };
  }

  async function listEndpoints(tenantId: string): Promise<WebhookEndpointView[]> {
    const rows = await store.listWebhookEndpoints(tenantId);
    return rows.map(toView);
  }

  /** Marks every still-pending delivery of an endpoint dead (endpoint gone or disabled). */
  async function killPendingDeliveries(endpointId: string, reason: string, exceptId?: string): Promise<number> {
    const rows = await store.listDeliveries(endpointId);
    let killed = 0;
    for (const row of rows) {
      if (row.status !== 'pending' || row.id === exceptId) continue;
      await store.updateDelivery(row.id, { status: 'dead', last_error: reason, updated_at: now(), locked_until: null });
      killed++;
    }
    return killed;
  }

  async function deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    // The store drops the endpoint's outbox with it (nothing could deliver those any more).
    const deleted = await store.deleteWebhookEndpoint(tenantId, id);
    if (deleted) logger.info({ tenant_id: tenantId, endpoint_id: id }, 'webhook endpoint deleted');
    return deleted;
  }

  async function emit(tenantId: string, eventType: string, data: Record<string, unknown>, options: { key?: string } = {}): Promise<string[]> {
    // A programming error, not user input: the session service emits `session.<terminal status>`.
    if (!isWebhookEventType(eventType)) throw new TypeError(`Unknown webhook event type: ${eventType}`);
    const at = now();
    // Checked before it is stored: what receivers get is exactly the documented envelope.
    const payload = webhookPayloadSchema.parse(buildWebhookPayload(eventType, at, data));
    const endpoints = await store.listWebhookEndpoints(tenantId);
    const ids: string[] = [];
    for (const endpoint of endpoints) {
      if (!endpoint.enabled || !endpointWantsEvent(endpoint.events, eventType)) continue;
      const row: DeliveryRow = {
        id: options.key === undefined ? `msg_${randomBytes(16).toString('base64url')}` : `msg_${createHash('sha256').update(`${endpoint.id}\0${eventType}\0${options.key}`).digest('base64url').slice(0, 22)}`,
        endpoint_id: endpoint.id,
        tenant_id: tenantId,
        event_type: eventType,
        payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        last_status_code: null,
        last_error: null,
        created_at: at,
        updated_at: at,
        locked_until: null,
      };
      try {
        await store.enqueueDelivery(row);
      } catch (err) {
        // The same keyed event was queued before (a retried emit): nothing to add.
        if (options.key !== undefined && err instanceof StoreError && err.code === 'conflict') continue;
        throw err;
      }
      ids.push(row.id);
    }
    if (ids.length > 0) {
      logger.debug({ tenant_id: tenantId, event_type: eventType, deliveries: ids }, 'webhook event queued');
      wake();
    }
    return ids;
  }

  /** One attempt for one claimed delivery; every outcome is written back to the store. */
  async function attemptDelivery(delivery: DeliveryRow): Promise<AttemptDecision['action'] | 'abandoned'> {
    const endpoint = await store.getWebhookEndpoint(delivery.endpoint_id);
    if (!endpoint || !endpoint.enabled) {
      const reason = endpoint ? `endpoint disabled: ${endpoint.disabled_reason ?? 'no reason given'}` : 'endpoint deleted';
      await store.updateDelivery(delivery.id, { status: 'dead', last_error: reason, updated_at: now(), locked_until: null });
      logger.warn({ delivery_id: delivery.id, endpoint_id: delivery.endpoint_id, reason }, 'webhook delivery abandoned');
      return 'abandoned';
    }
    const attempt = delivery.attempts + 1;
    const startedAt = now();
    const started = performance.now();
    let secret: string | null = null;
    let openError: string | null = null;
    try {
      secret = openWebhookSecret(options.secrets, endpoint.id, endpoint.secret);
    } catch (err) {
      openError = `cannot open the endpoint's signing secret: ${(err as Error).message}`;
    }
    const result: AttemptResult =
      secret === null
        ? { kind: 'error', error: openError! }
        : await sendWebhook({
            url: endpoint.url,
            secret,
            msgId: delivery.id,
            body: JSON.stringify(delivery.payload),
            timestamp: new Date(startedAt),
            timeoutMs: requestTimeoutMs,
            policy: addressPolicy,
            resolve,
          });
    const durationMs = Math.round(performance.now() - started);
    const statusCode = result.kind === 'response' ? result.statusCode : null;
    const error = result.kind === 'error' ? result.error : statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : null;
    await store.recordDeliveryAttempt({ delivery_id: delivery.id, attempt, at: startedAt, status_code: statusCode, error, duration_ms: durationMs });

    const finishedAt = now();
    const decision = decideAfterAttempt(result, attempt, policy, finishedAt, random);
    const logFields = {
      delivery_id: delivery.id,
      endpoint_id: endpoint.id,
      tenant_id: delivery.tenant_id,
      event_type: delivery.event_type,
      url: redactWebhookUrl(endpoint.url),
      attempt,
      status_code: statusCode,
      error,
      duration_ms: durationMs,
      outcome: decision.action,
    };
    const common = { attempts: attempt, last_status_code: statusCode, last_error: error, updated_at: finishedAt, locked_until: null };
    switch (decision.action) {
      case 'delivered':
        await store.updateDelivery(delivery.id, { ...common, status: 'delivered' });
        logger.info(logFields, 'webhook delivered');
        break;
      case 'retry': {
        const nextAttemptAt = finishedAt + decision.delayMs;
        await store.updateDelivery(delivery.id, { ...common, status: 'pending', next_attempt_at: nextAttemptAt });
        logger.warn({ ...logFields, retry_in_ms: decision.delayMs, next_attempt_at: new Date(nextAttemptAt).toISOString() }, 'webhook delivery failed; will retry');
        break;
      }
      case 'dead':
        await store.updateDelivery(delivery.id, { ...common, status: 'dead', last_error: decision.reason });
        logger.error({ ...logFields, reason: decision.reason }, 'webhook delivery failed permanently');
        break;
      case 'disable_endpoint': {
        await store.disableWebhookEndpoint(endpoint.id, decision.reason);
        await store.updateDelivery(delivery.id, { ...common, status: 'dead', last_error: decision.reason });
        const killed = await killPendingDeliveries(endpoint.id, `endpoint disabled: ${decision.reason}`, delivery.id);
        logger.error({ ...logFields, reason: decision.reason, abandoned_deliveries: killed }, 'webhook endpoint disabled');
        break;
      }
    }
    return decision.action;
  }

  /** Runs one attempt, never throwing: a store failure leaves the lock to expire and retry later. */
  function track(delivery: DeliveryRow): Promise<AttemptDecision['action'] | 'abandoned' | 'error'> {
    const task = attemptDelivery(delivery).catch((error: unknown) => {
      logger.error({ delivery_id: delivery.id, err: error instanceof Error ? { message: error.message, name: error.name } : String(error) }, 'webhook delivery attempt crashed; it will be retried after its lock expires');
      return 'error' as const;
    });
    if (options.onOutcome) void task.then(options.onOutcome);
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    return task;
  }

  /** Claims one batch due at `dueAt` and attempts each delivery in parallel. */
  async function runBatch(dueAt: number): Promise<{ claimed: number; attempted: number; delivered: number }> {
    const claimed = await store.claimDueDeliveries(dueAt, now() + lockMs, batchSize);
    const outcomes = await Promise.all(claimed.map(track));
    return {
      claimed: claimed.length,
      attempted: outcomes.filter((o) => o !== 'abandoned' && o !== 'error').length,
      delivered: outcomes.filter((o) => o === 'delivered').length,
    };
  }

  async function drain(): Promise<DrainResult> {
    // Fixed `dueAt`: retries scheduled during this drain lie after it, so each delivery gets at
    // most one attempt per drain.
    const dueAt = now();
    const total: DrainResult = { attempted: 0, delivered: 0 };
    while (!closed) {
      const batch = await runBatch(dueAt);
      total.attempted += batch.attempted;
      total.delivered += batch.delivered;
      if (batch.claimed === 0) break;
    }
    return total;
  }

  function schedule(delayMs: number): void {
    if (!running || closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    // The loop alone must not keep a process alive (the HTTP server does that).
    timer.unref();
  }

  // The loop does not wait for a batch to finish before claiming more: a slow receiver (up to
  // requestTimeoutMs) holds one slot, not the whole loop.
  function tick(): void {
    timer = null;
    if (activeTick) {
      wakeRequested = true;
      return;
    }
    wakeRequested = false;
    const free = concurrency - loopActive;
    if (free <= 0) {
      saturated = true;
      return;
    }
    const limit = Math.min(batchSize, free);
    activeTick = store
      .claimDueDeliveries(now(), now() + lockMs, limit)
      .then(
        (rows) => {
          for (const row of rows) {
            loopActive++;
            void track(row).finally(() => {
              loopActive--;
              if (saturated) {
                saturated = false;
                schedule(0);
              }
            });
          }
          return rows.length === limit ? 0 : pollIntervalMs;
        },
        (error: unknown) => {
          logger.error({ err: error instanceof Error ? { message: error.message, name: error.name } : String(error) }, 'webhook delivery loop failed to claim deliveries');
          return pollIntervalMs;
        },
      )
      .then((delay) => {
        activeTick = null;
        schedule(wakeRequested ? 0 : delay);
      });
  }

  /** New work queued in this process: deliver it without waiting for the next poll. */
  function wake(): void {
    if (!running || closed) return;
    if (activeTick) wakeRequested = true;
    else schedule(0);
  }

  function start(): void {
    if (closed) throw new Error('webhook service is closed');
    if (running) return;
    running = true;
    logger.info({ poll_interval_ms: pollIntervalMs, max_attempts: policy.maxAttempts }, 'webhook delivery loop started');
    schedule(0);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    running = false;
    if (timer) clearTimeout(timer);
    timer = null;
    if (activeTick) await activeTick;
    await Promise.allSettled([...inFlight]);
  }

  return { createEndpoint, listEndpoints, deleteEndpoint, emit, start, drain, close };
}
