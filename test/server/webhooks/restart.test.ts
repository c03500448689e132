// Deliveries live in the store: they survive a clean restart and a crash mid-delivery.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/types.ts';
import { LOCK_MARGIN_MS, createWebhookService } from '../../../server/webhooks/service.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { addTenant, bothBackends, capturedLogger, movableClock, openTarget, type DatabaseTarget } from './setup.ts';
import { testSecrets } from '../../helpers/kek.ts';

const CHILD = fileURLToPath(new URL('./fixtures/deliver-in-child.ts', import.meta.url));
const TENANT = 'tenant_a';

describe.each(bothBackends())('webhook deliveries across restarts on $name', (backend) => {
  let target: DatabaseTarget;
  let receiver: Receiver;
  const stores: Store[] = [];

  async function openStore(): Promise<Store> {
    const store = await openTarget(target);
    stores.push(store);
    return store;
  }

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  beforeEach(async () => {
    target = await backend.newDatabase();
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await receiver.close();
    for (const store of stores.splice(0)) await store.close();
  });

  it('a delivery queued before a restart (after a failed attempt) arrives after it', async () => {
    const first = await openStore();
    await addTenant(first, TENANT);
    const before = createWebhookService({ secrets: testSecrets(), store: first, logger: capturedLogger().logger, baseDelayMs: 1, maxDelayMs: 1, random: () => 1, allowPrivate: true });
    const endpoint = await before.createEndpoint(TENANT, { url: receiver.url });
    receiver.setSecret(endpoint.secret);
    receiver.setReply((index) => ({ status: index === 0 ? 503 : 200 }));
    const [id] = await before.emit(TENANT, 'session.completed', { session_id: 's1' });
    expect(await before.drain()).toEqual({ attempted: 1, delivered: 0 });
    await before.close();
    await first.close();
    stores.splice(stores.indexOf(first), 1);

    const second = await openStore();
    const after = createWebhookService({ secrets: testSecrets(), store: second, logger: capturedLogger().logger, pollIntervalMs: 20, allowPrivate: true });
    after.start();
    await receiver.waitFor(2);
    await after.close();
    expect(receiver.received.map((r) => [r.headers['webhook-id'], r.verifyError])).toEqual([
      [id, null],
      [id, null],
    ]);
    expect(await second.getDelivery(id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('a delivery claimed by a process that died is delivered by the next one once its lock expires', async () => {
    const store = await openStore();
    await addTenant(store, TENANT);
    const clock = movableClock();
    const webhooks = createWebhookService({ secrets: testSecrets(), store, logger: capturedLogger().logger, now: clock.now, allowPrivate: true });
    const endpoint = await webhooks.createEndpoint(TENANT, { url: receiver.url });
    receiver.setSecret(endpoint.secret);
    // The first request never gets an answer: the child is killed while waiting for it.
    receiver.setReply((index) => (index === 0 ? 'hang' : { status: 200 }));
    const [id] = await webhooks.emit(TENANT, 'session.failed', { session_id: 's1', failure_reasons: ['camera_unavailable'] });

    const spawnedAt = Date.now();
    const child = spawn(process.execPath, [CHILD, target], { stdio: ['ignore', 'ignore', 'pipe'] });
    let childStderr = '';
    child.stderr.on('data', (chunk: Buffer) => (childStderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    try {
      await receiver.waitFor(1, 10_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`child delivered nothing: ${childStderr}`, { cause: err });
    }
    const requestSeenAt = Date.now();
    expect(receiver.received[0].verifyError).toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const orphan = await store.getDelivery(id);
    expect(orphan).toMatchObject({ status: 'pending', attempts: 0 });
    expect(orphan!.locked_until).toBeGreaterThan(clock.now());
    // The child claimed between spawning and our receiver seeing its request, for its request
    // timeout (60 s) plus the margin.
    expect(orphan!.locked_until).toBeGreaterThanOrEqual(spawnedAt + 60_000 + LOCK_MARGIN_MS);
    expect(orphan!.locked_until).toBeLessThanOrEqual(requestSeenAt + 60_000 + LOCK_MARGIN_MS);

    // Still locked by the dead process: nobody takes it yet.
    expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
    clock.advance(orphan!.locked_until! - Date.now() + 1);
    expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 1 });
    expect(receiver.received.map((r) => [r.headers['webhook-id'], r.verifyError])).toEqual([
      [id, null],
      [id, null],
    ]);
    expect(await store.getDelivery(id)).toMatchObject({ status: 'delivered', attempts: 1, locked_until: null });
    await webhooks.close();
  });
});
