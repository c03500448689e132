// DNS-rebinding protection for /mcp: which Host and Origin values pass.
import { describe, expect, it } from 'vitest';
import { createHostCheck } from '../../../server/mcp/host-check.ts';

describe('createHostCheck', () => {
  const check = createHostCheck({ publicUrl: 'https://livegate.example.com', host: '0.0.0.0', allowedHosts: ['mcp.internal:9000', 'https://other.example'] });

  it('accepts localhost names, the public URL host and configured hosts, with any port', () => {
    for (const host of ['localhost:8787', '127.0.0.1', '[::1]:8787', 'livegate.example.com', 'LIVEGATE.example.com:443', 'mcp.internal', 'other.example:1']) {
      expect(check({ host }), host).toEqual({ ok: true });
    }
  });

  it('rejects other hosts, a missing Host, and foreign or opaque origins', () => {
    expect(check({ host: 'evil.example' })).toEqual({ ok: false, what: 'host', value: 'evil.example' });
    expect(check({})).toMatchObject({ ok: false, what: 'host' });
    expect(check({ host: '0.0.0.0:8787' })).toMatchObject({ ok: false, what: 'host' }); // a wildcard listen address is no name
    expect(check({ host: 'localhost', origin: 'https://evil.example' })).toEqual({ ok: false, what: 'origin', value: 'https://evil.example' });
    expect(check({ host: 'localhost', origin: 'null' })).toMatchObject({ ok: false, what: 'origin' });
    expect(check({ host: 'localhost', origin: 'not a url' })).toMatchObject({ ok: false, what: 'origin' });
    expect(check({ host: 'livegate.example.com', origin: 'https://livegate.example.com' })).toEqual({ ok: true });
  });

  it('accepts the listen host when it is a name', () => {
    const named = createHostCheck({ publicUrl: 'http://127.0.0.1:8787', host: 'box.lan' });
    expect(named({ host: 'box.lan:8787' })).toEqual({ ok: true });
    expect(named({ host: 'box2.lan:8787' })).toMatchObject({ ok: false });
  });
});
