// Settings come from one validated place; secrets never reach the logs.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { createTestApp } from '../helpers/app.ts';

describe('config', () => {
  it('runs everything embedded by default', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ port: 8787, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8787' });
    expect(c.databaseUrl).toBeUndefined(); // SQLite
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });
  it('reads LIVEGATE_* and DATABASE_URL, and flags win over the environment', () => {
    const env = { LIVEGATE_PORT: '9000', LIVEGATE_PUBLIC_URL: 'https://lg.example.com/', DATABASE_URL: 'postgres://u:p@db/livegate' };
    const c = loadConfig({ port: 9100 }, env);
    expect(c.port).toBe(9100);
    expect(c.publicUrl).toBe('https://lg.example.com');
    expect(c.databaseUrl).toBe('postgres://u:p@db/livegate');
  });
  it('names the bad setting and its variable', () => {
    expect(() => loadConfig({}, { LIVEGATE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { LIVEGATE_PORT: 'eighty' })).toThrow(/port.*LIVEGATE_PORT/);
    expect(() => loadConfig({}, { DATABASE_URL: 'mysql://x' })).toThrow(/postgres/);
  });
});

describe('logging', () => {
  it('redacts API keys, bearer tokens and capture tokens', async () => {
    const lines: string[] = [];
    const t = await createTestApp({ logLevel: 'info' }, { analyzer: false, logStream: { write: (line) => void lines.push(line) } });
    try {
      const created = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { authorization: `Bearer ${t.key}` }, payload: { action_description: 'Approve: x' } });
      const token = created.json().verification_url.split('#')[1];
      t.app.log.info({ headers: { authorization: `Bearer ${t.key}`, 'x-api-key': t.key }, capture_token: token }, 'a careless log call');
      t.app.log.info({ key: t.key, token }, 'another');
      const all = lines.join('\n');
      expect(lines.length).toBeGreaterThan(2);
      expect(all).toContain('[redacted]');
      expect(all).not.toContain(t.key);
      expect(all).not.toContain(token);
    } finally {
      await t.close();
    }
  });
});
