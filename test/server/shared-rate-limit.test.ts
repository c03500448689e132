// With DATABASE_URL, the per-IP rate limits are one budget for every instance on the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { openStore } from '../../server/store/index.ts';
import type { Store } from '../../server/store/types.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

describe('rate limits shared through PostgreSQL', () => {
  let cluster: TestPostgres;
  let a: TestApp;
  let b: { app: FastifyInstance; store: Store };
  beforeAll(async () => {
    cluster = await startPostgres();
    a = await createTestApp({ apiRateLimitPerMin: 10, mcpRateLimitPerMin: 4 }, { analyzer: false, databaseUrl: cluster.url });
    // A second instance on the same database (its tenant and key already exist).
    const store = await openStore({ dataDir: a.dataDir, databaseUrl: cluster.url });
    const config = loadConfig({ dataDir: a.dataDir, logLevel: 'silent', port: 0, apiRateLimitPerMin: 10, mcpRateLimitPerMin: 4 }, {});
    b = { app: await buildApp({ config, store, analyzer: false }), store };
  });
  afterAll(async () => {
    await a?.close();
    await b?.app.close();
    await b?.store.close();
    await cluster?.stop();
  });

  it('counts requests to two instances against one per-IP budget, per surface', async () => {
    const get = (t: { app: FastifyInstance }) => t.app.inject({ url: '/v1/whoami', headers: { 'x-api-key': a.key } });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await get(i % 2 === 0 ? a : b)).statusCode);
    expect(statuses).toEqual(Array(10).fill(200));
    const over = await get(b);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    expect(over.headers['x-ratelimit-limit']).toBe('10');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(a)).statusCode).toBe(429);

    // MCP keeps its own budget (4 a minute), shared too.
    const mcp = (t: { app: FastifyInstance }) => t.app.inject({ method: 'POST', url: '/mcp', headers: { 'content-type': 'application/json' }, payload: {} });
    const mcpStatuses: number[] = [];
    for (let i = 0; i < 5; i++) mcpStatuses.push((await mcp(i % 2 === 0 ? a : b)).statusCode);
    expect(mcpStatuses).toEqual([401, 401, 401, 401, 429]);
  });
});
