import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import type { Store } from '../../../server/store/types.ts';
import { WEBHOOK_USER_AGENT } from '../../../server/webhooks/send.ts';
import { createWebhookService, type WebhookService, type WebhookServiceOptions } from '../../../server/webhooks/service.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { addTenant, bothBackends, capturedLogger, movableClock, openTarget } from './setup.ts';
import { testSecrets } from '../../helpers/kek.ts';

const TENANT = 'tenant_a';

describe.each(bothBackends())('webhook service on $name', (backend) => {
  let store: Store;
  let receiver: Receiver;
  let clock: ReturnType<typeof movableClock>;
  let log: ReturnType<typeof capturedLogger>;
  const services: WebhookService[] = [];

  function service(overrides: Partial<WebhookServiceOptions> = {}): WebhookService {
    const created = createWebhookService({
      secrets: testSecrets(),
      store,
      logger: log.logger,
      now: clock.now,
      random: () => 0.5,
      baseDelayMs: 1_000,
      maxDelayMs: 60_000,
      requestTimeoutMs: 2_000,
      // The receiver listens on loopback: the single-host opt-in (ssrf.test.ts covers the guard).
      allowPrivate: true,
      ...overrides,
    });
    services.push(created);
    return created;
  }

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  beforeEach(async () => {
    store = await openTarget(await backend.newDatabase());
    await addTenant(store, TENANT);
    await addTenant(store, 'tenant_b');
    receiver = await startReceiver();
    clock = movableClock();
    log = capturedLogger();
  });

  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await receiver.close();
    await store.close();
  });

  async function endpointFor(webhooks: WebhookService, events?: string[]) {
    const created = await webhooks.createEndpoint(TENANT, { url: receiver.url, events });
    receiver.setSecret(created.secret);
    return created;
  }

  describe('endpoints', () => {
    it('creates an endpoint with a whsec_ secret shown once, and lists it without the secret', async () => {
      const webhooks = service();
      const created = await webhooks.createEndpoint(TENANT, { url: 'https://example.com/hooks?x=1#frag', events: ['session.completed'] });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
      expect(created.url).toBe('https://example.com/hooks?x=1');
      expect(created.events).toEqual(['session.completed']);
      expect(new Date(created.created_at).getTime()).toBeGreaterThan(0);

      const listed = await webhooks.listEndpoints(TENANT);
      expect(listed).toEqual([
        { id: created.id, url: created.url, events: ['session.completed'], enabled: true, disabled_reason: null, created_at: created.created_at },
      ]);
      expect(JSON.stringify(listed)).not.toContain(created.secret);
      expect(await webhooks.listEndpoints('tenant_b')).toEqual([]);
      // Secrets differ per endpoint.
      const second = await webhooks.createEndpoint(TENANT, { url: 'https://example.com/other' });
      expect(second.secret).not.toBe(created.secret);
      expect(second.events).toEqual([]);
    });

    it.each([
      { label: 'an ftp URL', url: 'ftp://example.com/hooks', message: /scheme "ftp" is not supported/ },
      { label: 'words', url: 'not a url', message: /not a valid absolute URL/ },
      { label: 'a relative path', url: '/relative/path', message: /not a valid absolute URL/ },
      { label: 'an empty URL', url: '', message: /empty/ },
      { label: 'a URL with credentials', url: 'https://user:pass@example.com/hooks', message: /user name or password/ },
      { label: 'a 3000-character URL', url: `https://example.com/${'a'.repeat(3000)}`, message: /longer than 2048/ },
    ])('rejects $label with a clear error', async ({ url, message }) => {
      const webhooks = service();
      const error = await webhooks.createEndpoint(TENANT, { url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'invalid_request', statusCode: 400, details: { field: 'url' } });
      expect((error as AppError).message).toMatch(message);
      expect((error as AppError).hint).not.toBe('');
      expect(await webhooks.listEndpoints(TENANT)).toEqual([]);
    });

    it('rejects unknown event types', async () => {
      const webhooks = service();
      await expect(webhooks.createEndpoint(TENANT, { url: receiver.url, events: ['session.completed', 'session.exploded'] })).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('session.exploded'),
        details: { field: 'events', unknown: ['session.exploded'] },
      });
    });

    it('limits the endpoints per tenant', async () => {
      const webhooks = service({ maxEndpointsPerTenant: 2 });
      await webhooks.createEndpoint(TENANT, { url: 'https://example.com/1' });
      const second = await webhooks.createEndpoint(TENANT, { url: 'https://example.com/2' });
      await expect(webhooks.createEndpoint(TENANT, { url: 'https://example.com/3' })).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('2 webhook endpoints'),
        details: { limit: 2 },
      });
      // Other tenants have their own allowance; deleting frees a slot.
      await webhooks.createEndpoint('tenant_b', { url: 'https://example.com/b' });
      await webhooks.deleteEndpoint(TENANT, second.id);
      await webhooks.createEndpoint(TENANT, { url: 'https://example.com/3' });
      expect((await webhooks.listEndpoints(TENANT)).map((e) => e.url)).toEqual(['https://example.com/1', 'https://example.com/3']);
    });

    it('deletes only the own tenant endpoint, with its queued deliveries', async () => {
      const webhooks = service();
      const created = await endpointFor(webhooks);
      const [deliveryId] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      expect(await webhooks.deleteEndpoint('tenant_b', created.id)).toBe(false);
      expect(await webhooks.listEndpoints(TENANT)).toHaveLength(1);
      expect(await webhooks.deleteEndpoint(TENANT, created.id)).toBe(true);
      expect(await webhooks.deleteEndpoint(TENANT, created.id)).toBe(false);
      expect(await webhooks.listEndpoints(TENANT)).toEqual([]);
      expect(await store.getDelivery(deliveryId)).toBeNull();
      expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
      expect(receiver.received).toHaveLength(0);
    });
  });

  describe('delivery', () => {
    it('delivers a signed Standard Webhooks message that the standardwebhooks package verifies', async () => {
      const webhooks = service();
      const endpoint = await endpointFor(webhooks);
      const before = clock.now();
      const ids = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1', verdict: 'live' });
      expect(ids).toHaveLength(1);
      expect(ids[0]).toMatch(/^msg_/);

      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 1 });
      expect(receiver.received).toHaveLength(1);
      const [got] = receiver.received;
      expect(got.verifyError).toBeNull();
      expect(got.payload).toEqual({ type: 'session.completed', timestamp: expect.any(String), data: { session_id: 's1', verdict: 'live' } });
      expect(Date.parse((got.payload as { timestamp: string }).timestamp)).toBeGreaterThanOrEqual(before - 1);
      expect(got.headers['webhook-id']).toBe(ids[0]);
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
      expect(WEBHOOK_USER_AGENT).toMatch(/^Livegate-Webhooks\/\d+\.\d+\.\d+/);
      expect(got.headers['webhook-signature']).toMatch(/^v1,/);

      const delivery = await store.getDelivery(ids[0]);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 204, last_error: null, locked_until: null, endpoint_id: endpoint.id });
      const attempts = await store.listDeliveryAttempts(ids[0]);
      expect(attempts).toEqual([{ delivery_id: ids[0], attempt: 1, at: expect.any(Number), status_code: 204, error: null, duration_ms: expect.any(Number) }]);
      // Nothing left to do.
      expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
    });

    it('a receiver with another secret rejects the delivery (the signature really is checked)', async () => {
      const webhooks = service();
      await endpointFor(webhooks);
      receiver.setSecret(`whsec_${Buffer.alloc(24, 7).toString('base64')}`);
      await webhooks.emit(TENANT, 'session.failed', { session_id: 's1' });
      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
      expect(receiver.received[0].verifyError).toMatch(/No matching signature/);
    });

    it('queues only for enabled endpoints of the tenant subscribed to the event', async () => {
      const webhooks = service();
      const all = await endpointFor(webhooks);
      const failedOnly = await webhooks.createEndpoint(TENANT, { url: receiver.url, events: ['session.failed'] });
      await webhooks.createEndpoint('tenant_b', { url: receiver.url });
      const completed = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      expect(completed).toHaveLength(1);
      expect((await store.getDelivery(completed[0]))?.endpoint_id).toBe(all.id);
      const failed = await webhooks.emit(TENANT, 'session.failed', { session_id: 's2' });
      expect(failed).toHaveLength(2);
      await store.disableWebhookEndpoint(failedOnly.id, 'test');
      expect(await webhooks.emit(TENANT, 'session.failed', { session_id: 's3' })).toHaveLength(1);
      await expect(webhooks.emit(TENANT, 'session.exploded', {})).rejects.toThrow(TypeError);
    });

    it('retries after a 500 with backoff and delivers the same message id once the receiver recovers', async () => {
      const webhooks = service();
      await endpointFor(webhooks);
      receiver.setReply((index) => ({ status: index === 0 ? 500 : 200 }));
      const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });

      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
      const afterFirst = await store.getDelivery(id);
      expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500, last_error: 'HTTP 500', locked_until: null });
      // random 0.5 of base 1000 ms for the first retry.
      const firstDelay = afterFirst!.next_attempt_at - afterFirst!.updated_at;
      expect(firstDelay).toBe(500);

      // Not due yet: a drain makes no attempt.
      expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
      clock.advance(firstDelay);
      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 1 });

      expect(receiver.received.map((r) => r.verifyError)).toEqual([null, null]);
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
      expect(await store.getDelivery(id)).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200, last_error: null });
      const attempts = await store.listDeliveryAttempts(id);
      expect(attempts.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, 500, 'HTTP 500'],
        [2, 200, null],
      ]);
    });

    it('doubles the backoff ceiling per attempt up to the cap, then gives up as dead', async () => {
      const webhooks = service({ maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 3_000, random: () => 1 });
      await endpointFor(webhooks);
      receiver.setReply(() => ({ status: 503 }));
      const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      const delays: number[] = [];
      for (let i = 0; i < 4; i++) {
        expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
        const row = (await store.getDelivery(id))!;
        if (row.status === 'pending') {
          delays.push(row.next_attempt_at - row.updated_at);
          clock.advance(row.next_attempt_at - row.updated_at);
        }
      }
      expect(delays).toEqual([1_000, 2_000, 3_000]);
      const dead = await store.getDelivery(id);
      expect(dead).toMatchObject({ status: 'dead', attempts: 4, last_status_code: 503 });
      expect(dead!.last_error).toMatch(/gave up after 4 attempts/);
      clock.advance(3_600_000);
      expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
      expect(receiver.received).toHaveLength(4);
    });

    it('honours Retry-After in seconds on a 429', async () => {
      const webhooks = service({ maxDelayMs: 3_600_000 });
      await endpointFor(webhooks);
      receiver.setReply((index) => (index === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }));
      const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      await webhooks.drain();
      const row = (await store.getDelivery(id))!;
      expect(row).toMatchObject({ status: 'pending', last_status_code: 429 });
      expect(row.next_attempt_at - row.updated_at).toBe(120_000);

      clock.advance(119_000);
      expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
      clock.advance(1_000);
      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 1 });
      expect(receiver.received[1].verifyError).toBeNull();
    });

    it('honours Retry-After as an HTTP date on a 503, bounded by the maximum delay', async () => {
      const webhooks = service({ maxDelayMs: 600_000 });
      await endpointFor(webhooks);
      receiver.setReply((index) => {
        if (index === 0) return { status: 503, headers: { 'retry-after': new Date(clock.now() + 90_000).toUTCString() } };
        if (index === 1) return { status: 503, headers: { 'retry-after': String(7 * 24 * 3600) } };
        return { status: 200 };
      });
      const [id] = await webhooks.emit(TENANT, 'session.expired', { session_id: 's1' });
      await webhooks.drain();
      let row = (await store.getDelivery(id))!;
      // HTTP dates have whole seconds: within a second of 90 s.
      expect(row.next_attempt_at - row.updated_at).toBeGreaterThan(88_900);
      expect(row.next_attempt_at - row.updated_at).toBeLessThanOrEqual(90_000);
      clock.advance(row.next_attempt_at - row.updated_at);
      await webhooks.drain();
      row = (await store.getDelivery(id))!;
      // A week-long Retry-After is capped at maxDelayMs.
      expect(row.next_attempt_at - row.updated_at).toBe(600_000);
      expect(row.attempts).toBe(2);
    });

    it('disables the endpoint on 410 Gone; it gets no new deliveries', async () => {
      const webhooks = service();
      const endpoint = await endpointFor(webhooks);
      receiver.setReply((index) => ({ status: index === 0 ? 410 : 200 }));
      const [first] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
      expect(await store.getDelivery(first)).toMatchObject({ status: 'dead', last_status_code: 410 });
      // A disabled endpoint gets no new deliveries.
      expect(await webhooks.emit(TENANT, 'session.failed', { session_id: 's2' })).toEqual([]);

      const listed = await webhooks.listEndpoints(TENANT);
      expect(listed).toEqual([expect.objectContaining({ id: endpoint.id, enabled: false, disabled_reason: expect.stringMatching(/410/) })]);
      expect(await webhooks.drain()).toEqual({ attempted: 0, delivered: 0 });
      expect(receiver.received).toHaveLength(1);
    });

    it('on 410 abandons deliveries already queued for that endpoint', async () => {
      const webhooks = service({ batchSize: 1 });
      await endpointFor(webhooks);
      receiver.setReply(() => ({ status: 410 }));
      const [first] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      clock.advance(1);
      const [second] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's2' });
      clock.advance(1);
      expect(await webhooks.drain()).toEqual({ attempted: 1, delivered: 0 });
      expect(await store.getDelivery(first)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(await store.getDelivery(second)).toMatchObject({ status: 'dead', attempts: 0, last_error: expect.stringMatching(/endpoint disabled/) });
      expect(receiver.received).toHaveLength(1);
    });

    it('gives up on other 4xx answers after a few attempts', async () => {
      const webhooks = service({ maxAttempts: 8, maxClientErrorAttempts: 2 });
      await endpointFor(webhooks);
      receiver.setReply(() => ({ status: 404 }));
      const [id] = await webhooks.emit(TENANT, 'session.cancelled', { session_id: 's1' });
      await webhooks.drain();
      expect(await store.getDelivery(id)).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 404 });
      clock.advance(60_000);
      await webhooks.drain();
      expect(await store.getDelivery(id)).toMatchObject({ status: 'dead', attempts: 2, last_status_code: 404 });
    });

    it('retries network errors and timeouts, recording why', async () => {
      const webhooks = service({ requestTimeoutMs: 200 });
      await endpointFor(webhooks);
      receiver.setReply(() => 'hang');
      const [slow] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      // A closed port: connection refused.
      const closed = await startReceiver();
      const closedUrl = closed.url;
      await closed.close();
      await webhooks.createEndpoint('tenant_b', { url: closedUrl });
      const [refused] = await webhooks.emit('tenant_b', 'session.completed', { session_id: 's2' });

      expect(await webhooks.drain()).toEqual({ attempted: 2, delivered: 0 });
      expect(await store.getDelivery(slow)).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null, last_error: 'timed out after 200 ms' });
      const refusedRow = await store.getDelivery(refused);
      expect(refusedRow).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
      expect(refusedRow!.last_error).toMatch(/ECONNREFUSED/);
      expect((await store.listDeliveryAttempts(refused))[0].error).toMatch(/ECONNREFUSED/);
    });

    it('does not follow redirects', async () => {
      const webhooks = service({ maxClientErrorAttempts: 1 });
      await endpointFor(webhooks);
      receiver.setReply(() => ({ status: 307, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
      const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      await webhooks.drain();
      expect(await store.getDelivery(id)).toMatchObject({ status: 'dead', last_status_code: 307 });
    });

    it('logs every attempt without ever logging the secret', async () => {
      const webhooks = service();
      const endpoint = await webhooks.createEndpoint(TENANT, { url: `${receiver.url}?token=abc` });
      receiver.setSecret(endpoint.secret);
      receiver.setReply((index) => ({ status: index === 0 ? 502 : 200 }));
      const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      await webhooks.drain();
      clock.advance(60_000);
      await webhooks.drain();

      const attemptLines = log.lines().filter((line) => line.delivery_id === id && typeof line.attempt === 'number');
      expect(attemptLines.map((l) => [l.attempt, l.status_code, l.outcome, l.msg])).toEqual([
        [1, 502, 'retry', 'webhook delivery failed; will retry'],
        [2, 200, 'delivered', 'webhook delivered'],
      ]);
      expect(attemptLines[0]).toMatchObject({ endpoint_id: endpoint.id, event_type: 'session.completed', duration_ms: expect.any(Number), retry_in_ms: 500 });
      const text = log.text();
      expect(text).not.toContain(endpoint.secret);
      expect(text).not.toContain(endpoint.secret.slice('whsec_'.length));
      expect(text).not.toContain('token=abc');
    });
  });

  describe('background loop', () => {
    it('delivers emitted events without drain, and close() waits for the delivery in flight', async () => {
      const webhooks = service({ pollIntervalMs: 50 });
      await endpointFor(webhooks);
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      receiver.setReply(() => ({ status: 200, until: answered }));
      webhooks.start();
      const [id] = await webhooks.emit(TENANT, 'session.completed', { session_id: 's1' });
      await receiver.waitFor(1);
      // The receiver has not answered yet; close must wait for the answer to be recorded.
      expect((await store.getDelivery(id))?.status).toBe('pending');
      let closeDone = false;
      const closing = webhooks.close().then(() => (closeDone = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(closeDone).toBe(false);
      answer();
      await closing;
      expect(await store.getDelivery(id)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(receiver.received[0].verifyError).toBeNull();
      // Closed: nothing more is delivered.
      await webhooks.emit(TENANT, 'session.failed', { session_id: 's2' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.received).toHaveLength(1);
      expect(() => webhooks.start()).toThrow(/closed/);
    });

    it('keeps delivering while one receiver hangs (a slow request holds one slot, not the loop)', async () => {
      const webhooks = service({ pollIntervalMs: 50, requestTimeoutMs: 60_000, concurrency: 4 });
      await endpointFor(webhooks);
      receiver.setReply((_index, delivery) =>
        (delivery.payload as { data: { session_id: string } }).data.session_id === 'slow' ? 'hang' : { status: 200 },
      );
      webhooks.start();
      const [slow] = await webhooks.emit(TENANT, 'session.completed', { session_id: 'slow' });
      await receiver.waitFor(1);
      const [fast] = await webhooks.emit(TENANT, 'session.completed', { session_id: 'fast' });
      await receiver.waitFor(2);
      expect(receiver.received[1].headers['webhook-id']).toBe(fast);
      await expect.poll(async () => (await store.getDelivery(fast))?.status, { timeout: 10_000 }).toBe('delivered');
      // ...while the slow request is still waiting for its answer.
      expect(await store.getDelivery(slow)).toMatchObject({ status: 'pending', attempts: 0 });
      // Let the hanging request go so close() does not wait for the timeout.
      await receiver.close();
      receiver = await startReceiver();
    });

    it('picks up deliveries queued by another process on its poll', async () => {
      const webhooks = service({ pollIntervalMs: 50 });
      const other = service();
      await endpointFor(webhooks);
      webhooks.start();
      // Queued through another service instance: no in-process wake-up reaches the loop.
      const ids = await other.emit(TENANT, 'session.completed', { session_id: 's1' });
      await receiver.waitFor(1);
      expect(receiver.received[0].headers['webhook-id']).toBe(ids[0]);
      expect(receiver.received[0].verifyError).toBeNull();
    });
  });
});
