// LIVEGATE_TRUST_PROXY decides whose address the per-IP rate limits see. Behind a proxy that
// appends to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), the client address is the one
// the proxy appended: a value the client wrote into the header itself picks no bucket.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createTestApp } from '../helpers/app.ts';

const PROXY = '10.0.0.5';

async function statuses(trustProxy: unknown, requests: { xff: string }[]): Promise<number[]> {
  const t = await createTestApp({ apiRateLimitPerMin: 2, trustProxy }, { analyzer: false });
  try {
    const out: number[] = [];
    for (const { xff } of requests) {
      const res = await t.app.inject({ url: '/v1/whoami', remoteAddress: PROXY, headers: { 'x-api-key': t.key, 'x-forwarded-for': xff } });
      out.push(res.statusCode);
    }
    return out;
  } finally {
    await t.close();
  }
}

describe('LIVEGATE_TRUST_PROXY', () => {
  it('on: the address the proxy appended is the client; spoofed entries before it change nothing', async () => {
    const spoofing = [{ xff: '1.1.1.1, 203.0.113.7' }, { xff: '2.2.2.2, 203.0.113.7' }, { xff: '3.3.3.3, 203.0.113.7' }, { xff: '203.0.113.8' }];
    // Two requests a minute per client: the third from 203.0.113.7 is refused whatever it wrote;
    // another client (203.0.113.8) has its own budget.
    expect(await statuses('1', spoofing)).toEqual([200, 200, 429, 200]);
    expect(await statuses(PROXY, spoofing)).toEqual([200, 200, 429, 200]);
  });

  it('two hops trust the entry before the last proxy', async () => {
    expect(await statuses('2', [{ xff: '203.0.113.7, 10.0.0.9' }, { xff: '9.9.9.9, 203.0.113.7, 10.0.0.9' }, { xff: '203.0.113.7, 10.0.0.9' }])).toEqual([200, 200, 429]);
  });

  it('off: every request through the proxy shares the proxy address', async () => {
    expect(await statuses('0', [{ xff: '203.0.113.7' }, { xff: '203.0.113.8' }, { xff: '203.0.113.9' }])).toEqual([200, 200, 429]);
  });

  it('refuses a value that is neither on/off, a hop count nor addresses', () => {
    expect(() => loadConfig({ trustProxy: 'everyone' }, {})).toThrow(/LIVEGATE_TRUST_PROXY/);
    expect(loadConfig({ trustProxy: 'true' }, {}).trustProxy).toBe(1);
    expect(loadConfig({}, { LIVEGATE_TRUST_PROXY: '10.0.0.0/8,192.168.1.2' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.2']);
  });
});
