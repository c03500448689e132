// Two services (two store connections, as two server instances) on one database never deliver
// the same message twice: SQLite (two connections to one file) and PostgreSQL (two pools).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/types.ts';
import { createWebhookService, type WebhookService } from '../../../server/webhooks/service.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { addTenant, bothBackends, capturedLogger, openTarget } from './setup.ts';
import { testSecrets } from '../../helpers/kek.ts';

const TENANT = 'tenant_a';
const EVENTS = 40;

describe.each(bothBackends())('webhook delivery with two services on one $name database', (backend) => {
  let receiver: Receiver;
  let stores: Store[];
  let services: WebhookService[];

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  beforeEach(async () => {
    receiver = await startReceiver();
    const target = await backend.newDatabase();
    stores = [await openTarget(target), await openTarget(target)];
    await addTenant(stores[0], TENANT);
    services = stores.map((store) => createWebhookService({ secrets: testSecrets(), store, logger: capturedLogger().logger, pollIntervalMs: 10, batchSize: 5, allowPrivate: true }));
    const endpoint = await services[0].createEndpoint(TENANT, { url: receiver.url });
    receiver.setSecret(endpoint.secret);
    // Slow answers keep claims of both services in flight at the same time.
    receiver.setReply(() => ({ status: 200, delayMs: 15 }));
  });

  afterEach(async () => {
    for (const s of services) await s.close();
    await receiver.close();
    for (const store of stores) await store.close();
  });

  async function emitAll(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) ids.push(...(await services[i % 2].emit(TENANT, 'session.completed', { session_id: `s${i}` })));
    return ids;
  }

  function expectEachOnce(ids: string[]): void {
    const received = receiver.received.map((r) => r.headers['webhook-id'] as string);
    expect(receiver.received.every((r) => r.verifyError === null)).toBe(true);
    expect(received).toHaveLength(ids.length);
    expect(new Set(received)).toEqual(new Set(ids));
  }

  it('concurrent drains split the work', async () => {
    const ids = await emitAll();
    const [a, b] = await Promise.all([services[0].drain(), services[1].drain()]);
    expect(a.delivered + b.delivered).toBe(EVENTS);
    // Both took part (each drain claims in batches of 5 while the other waits on the receiver).
    expect(a.delivered).toBeGreaterThan(0);
    expect(b.delivered).toBeGreaterThan(0);
    expectEachOnce(ids);
  });

  it('two running loops deliver every message exactly once', async () => {
    for (const s of services) s.start();
    const ids = await emitAll();
    await receiver.waitFor(EVENTS, 25_000);
    // Give a duplicate, if any, time to show up.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectEachOnce(ids);
    for (const id of ids) expect((await stores[1].getDelivery(id))?.status).toBe('delivered');
  });
});
