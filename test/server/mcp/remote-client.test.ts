// The REST-backed LivegateClient's failure mapping: unreachable servers and foreign error bodies.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRemoteClient } from '../../../server/mcp/remote.ts';

describe('createRemoteClient', () => {
  it('maps an unreachable server to service_unavailable with a hint', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const client = createRemoteClient({ url: `http://127.0.0.1:${port}/`, apiKey: 'lg_x' });
    await expect(client.whoami()).rejects.toMatchObject({ code: 'service_unavailable', message: expect.stringContaining(`127.0.0.1:${port}`), hint: expect.stringContaining('--url') });
  });

  it('keeps known error codes and hints, and maps unknown ones by status', async () => {
    const replies: [number, unknown][] = [
      [404, { error: { code: 'session_not_found', message: 'No session "x".', hint: 'Check it.' } }],
      [429, { error: { code: 'something_new', message: 'slow down' } }],
      [502, 'not json'],
    ];
    const server = createServer((req, res) => {
      expect(req.headers.authorization).toBe('Bearer lg_key');
      const [status, body] = replies.shift()!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = createRemoteClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'lg_key' });
    try {
      await expect(client.getStatus('x')).rejects.toMatchObject({ code: 'session_not_found', hint: 'Check it.' });
      await expect(client.getStatus('x')).rejects.toMatchObject({ code: 'rate_limited', message: 'slow down' });
      await expect(client.getStatus('x')).rejects.toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('502') });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
