// Webhooks survive a crash between a session's terminal state change and the enqueue: the sweep
// queues what was missed, and keyed delivery ids keep a re-queue from doubling an event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
let now = Date.now();
let endpointId: string;

beforeAll(async () => {
  t = await createTestApp({}, { analyzer: false, now: () => now });
  endpointId = (await t.app.services.webhooks.createEndpoint('default', { url: 'https://hooks.example.com/livegate' })).id;
});

afterAll(async () => t.close());

async function createSession(): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': t.key }, payload: { action_description: 'Approve: Wire transfer of $50,000 to Acme Corp' } });
  return res.json().session_id as string;
}

const deliveriesFor = async (sessionId: string) =>
  (await t.store.listDeliveries(endpointId)).filter((d) => (d.payload as { data: { session_id: string } }).data.session_id === sessionId);

describe('webhook recovery sweep', () => {
  it('queues the event of a session that ended without one, once, whatever the number of sweeps', async () => {
    const id = await createSession();
    // What a crash leaves behind: the state changed, nothing queued.
    await t.store.updateSession(id, ['pending'], { status: 'cancelled', cancel_reason: 'crash test', completed_at: now, updated_at: now });
    expect(await deliveriesFor(id)).toHaveLength(0);

    const { sessions } = t.app.services;
    expect(await sessions.queueMissedWebhooks()).toBe(0); // still inside the grace period
    now += 60_000;
    expect(await sessions.queueMissedWebhooks()).toBe(1);
    const queued = await deliveriesFor(id);
    expect(queued.map((d) => d.event_type)).toEqual(['session.cancelled']);
    expect((await t.store.getSession(id))?.webhooks_queued_at).toBe(now);
    expect(await sessions.queueMissedWebhooks()).toBe(0);

    // Even a session re-marked as unqueued (a crash after the enqueue, before the mark) gets no second delivery.
    await t.store.updateSession(id, ['cancelled'], { webhooks_queued_at: null });
    expect(await sessions.queueMissedWebhooks()).toBe(1);
    expect((await deliveriesFor(id)).map((d) => d.id)).toEqual(queued.map((d) => d.id));
  });

  it('marks a session whose webhooks were queued in the normal way, so the sweep leaves it alone', async () => {
    const id = await createSession();
    const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/cancel`, headers: { 'x-api-key': t.key }, payload: {} });
    expect(res.statusCode).toBe(200);
    expect(await deliveriesFor(id)).toHaveLength(1);
    expect((await t.store.getSession(id))?.webhooks_queued_at).toBe(now);
    now += 60_000;
    expect(await t.app.services.sessions.queueMissedWebhooks()).toBe(0);
    expect(await deliveriesFor(id)).toHaveLength(1);
  });
});
