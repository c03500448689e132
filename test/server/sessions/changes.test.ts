// The session change feed: in-process for one instance, LISTEN/NOTIFY between two app
// instances on one PostgreSQL database (a wait on A wakes when B completes the session).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.ts';
import { loadConfig } from '../../../server/config.ts';
import { createLocalSessionChanges, type SessionChange } from '../../../server/sessions/changes.ts';
import { openStore, type Store } from '../../../server/store/index.ts';
import { createTestApp, LIVE_EVIDENCE, type TestApp } from '../../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { connectInMemory, structured, type Connected } from '../mcp/helpers.ts';

describe('in-process session changes', () => {
  it('delivers a change to the subscribers of that session only, until they unsubscribe', () => {
    const feed = createLocalSessionChanges();
    const seen: string[] = [];
    const stopA = feed.subscribe('a', (c) => seen.push(`a:${c.status}`));
    feed.subscribe('b', (c) => seen.push(`b:${c.status}`));
    expect(feed.subscriberCount()).toBe(2);
    feed.publish({ session_id: 'a', tenant_id: 't', status: 'in_progress', previous: 'pending' });
    stopA();
    feed.publish({ session_id: 'a', tenant_id: 't', status: 'completed', previous: 'in_progress' });
    expect(seen).toEqual(['a:in_progress']);
    expect(feed.subscriberCount('a')).toBe(0);
    expect(feed.subscriberCount('b')).toBe(1);
    expect(feed.shared).toBe(false);
  });
});

describe('two app instances on one PostgreSQL', () => {
  let cluster: TestPostgres;
  let a: TestApp;
  let b: { app: FastifyInstance; store: Store };
  let mcp: Connected;

  beforeAll(async () => {
    cluster = await startPostgres();
    a = await createTestApp({}, { databaseUrl: cluster.url, analyzer: false });
    // Instance B: its own pool, feed and services over the same database (and the same keys).
    const store = await openStore({ dataDir: a.dataDir, databaseUrl: cluster.url });
    const app = await buildApp({ config: loadConfig({ dataDir: a.dataDir, logLevel: 'silent', port: 0 }, {}), store, analyzer: false });
    await app.ready();
    b = { app, store };
    mcp = await connectInMemory(a, a.key);
  });
  afterAll(async () => {
    await mcp?.close();
    await b?.app.close();
    await b?.store.close();
    await a?.close();
    await cluster?.stop();
  });

  async function createOnA(): Promise<string> {
    const res = await a.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'x-api-key': a.key }, payload: { action_description: 'Approve: deploy to production' } });
    expect(res.statusCode).toBe(201);
    return res.json().session_id;
  }

  it('a change made on B reaches the feed subscribers on A', async () => {
    expect(a.app.services.sessions.changes.shared).toBe(true);
    const id = await createOnA();
    const received = new Promise<SessionChange>((resolve) => a.app.services.sessions.changes.subscribe(id, resolve));
    const auth = await b.app.services.authenticate(a.key);
    await b.app.services.sessions.cancel(auth, id, 'changed my mind');
    // Subscribers are called by the feed only (the slow poll of waits never calls them).
    expect(await received).toEqual({ session_id: id, tenant_id: 'default', status: 'cancelled', previous: 'pending' });
  });

  it('an MCP wait_for_verification on A wakes when B completes the session', async () => {
    const id = await createOnA();
    const progress: unknown[] = [];
    const waiting = mcp.client.callTool({ name: 'wait_for_verification', arguments: { session_id: id, timeout_s: 50 } }, undefined, {
      onprogress: (p) => progress.push(p),
      timeout: 60_000,
    });
    await expect.poll(() => a.app.services.sessions.changes.subscriberCount(id)).toBe(1);
    await b.app.services.sessions.completeSession(id, LIVE_EVIDENCE);
    const result = structured<{ status: string; verdict: string; timed_out: boolean }>(await waiting);
    expect(result).toMatchObject({ status: 'completed', verdict: 'live', timed_out: false });
    expect(a.app.services.sessions.changes.subscriberCount(id)).toBe(0);
  });

  it('a change made on A is not delivered twice to A (its own NOTIFY is ignored)', async () => {
    const id = await createOnA();
    const seen: SessionChange[] = [];
    a.app.services.sessions.changes.subscribe(id, (c) => seen.push(c));
    const fromB = new Promise<SessionChange>((resolve) => b.app.services.sessions.changes.subscribe(id, resolve));
    const auth = await a.app.services.authenticate(a.key);
    await a.app.services.sessions.cancel(auth, id);
    await fromB; // B got it over NOTIFY, so A's own copy has arrived by now too
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((c) => c.status)).toEqual(['cancelled']);
  });
});
