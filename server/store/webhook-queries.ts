// The webhook outbox: endpoints, deliveries (claimed with a lock so concurrent workers never take
// the same one) and their attempt log.
import { WEBHOOK_DELIVERIES, WEBHOOK_DELIVERY_ATTEMPTS, WEBHOOK_ENDPOINTS } from './tables.ts';
import type { SqlKit } from './sql-driver.ts';
import type { DeliveryAttemptRow, DeliveryRow, Store, WebhookEndpointRow } from './types.ts';
import { DELIVERY_PATCH_COLUMNS, StoreError } from './types.ts';

type Queries = Pick<
  Store,
  | 'insertWebhookEndpoint' | 'listWebhookEndpoints' | 'listAllWebhookEndpoints' | 'setWebhookSecret' | 'getWebhookEndpoint'
  | 'deleteWebhookEndpoint' | 'disableWebhookEndpoint' | 'enqueueDelivery' | 'claimDueDeliveries' | 'updateDelivery' | 'getDelivery'
  | 'listDeliveries' | 'recordDeliveryAttempt' | 'listDeliveryAttempts' | 'pruneDeliveries'
>;

export function webhookQueries({ driver, run, first, many, insert, setClause }: SqlKit): Queries {
  return {
    insertWebhookEndpoint: (row: WebhookEndpointRow) => insert(WEBHOOK_ENDPOINTS, row),
    listWebhookEndpoints: (tenantId) =>
      many<WebhookEndpointRow>(
        WEBHOOK_ENDPOINTS,
        'SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id',
        [tenantId],
      ),
    listAllWebhookEndpoints: () => many<WebhookEndpointRow>(WEBHOOK_ENDPOINTS, 'SELECT * FROM webhook_endpoints ORDER BY created_at, id', []),
    async setWebhookSecret(id, secret) {
      await run('UPDATE webhook_endpoints SET secret = ? WHERE id = ?', [secret, id]);
    },
    getWebhookEndpoint: (id) =>
      first<WebhookEndpointRow>(WEBHOOK_ENDPOINTS, 'SELECT * FROM webhook_endpoints WHERE id = ?', [id]),
    async deleteWebhookEndpoint(tenantId, id) {
      // Its deliveries and their attempt log go with it (ON DELETE CASCADE).
      return (await run('DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?', [tenantId, id])) > 0;
    },
    async disableWebhookEndpoint(id, reason) {
      await run('UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ? WHERE id = ?', [
        driver.encode('bool', false),
        reason,
        id,
      ]);
    },
    enqueueDelivery: (row: DeliveryRow) => insert(WEBHOOK_DELIVERIES, row),
    async claimDueDeliveries(now, lockUntil, limit) {
      if (limit <= 0) return [];
      // One statement: picking and locking cannot interleave with another claimer.
      const rows = await many<DeliveryRow>(
        WEBHOOK_DELIVERIES,
        `UPDATE webhook_deliveries SET locked_until = ?
         WHERE id IN (
           SELECT id FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
           ORDER BY next_attempt_at, id LIMIT ?${driver.claimLockClause}
         )
         RETURNING *`,
        [lockUntil, now, now, limit],
      );
      // RETURNING has no defined order.
      return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    async updateDelivery(id, patch) {
      const set = setClause(WEBHOOK_DELIVERIES, DELIVERY_PATCH_COLUMNS, patch);
      if (set.sql === '') return;
      await run(`UPDATE webhook_deliveries SET ${set.sql} WHERE id = ?`, [...set.params, id]);
    },
    getDelivery: (id) => first<DeliveryRow>(WEBHOOK_DELIVERIES, 'SELECT * FROM webhook_deliveries WHERE id = ?', [id]),
    listDeliveries: (endpointId) =>
      many<DeliveryRow>(
        WEBHOOK_DELIVERIES,
        'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at, id',
        [endpointId],
      ),
    async recordDeliveryAttempt(row: DeliveryAttemptRow) {
      try {
        await insert(WEBHOOK_DELIVERY_ATTEMPTS, row);
      } catch (err) {
        // The endpoint (and with it the delivery) was deleted mid-attempt: nothing left to log against.
        if (err instanceof StoreError && err.code === 'not_found') return;
        throw err;
      }
    },
    listDeliveryAttempts: (deliveryId) =>
      many<DeliveryAttemptRow>(
        WEBHOOK_DELIVERY_ATTEMPTS,
        'SELECT * FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY attempt, at',
        [deliveryId],
      ),
    pruneDeliveries: (before) =>
      run(`DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed', 'dead') AND updated_at < ?`, [before]),
  };
}
