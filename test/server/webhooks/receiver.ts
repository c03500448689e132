// A real webhook receiver for the tests: node:http on 127.0.0.1 (random port) that verifies every
// delivery with the `standardwebhooks` package, as a customer's receiver would, and answers 400
// when verification fails.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed payload when the signature verified. */
  payload: unknown;
  /** Why verification failed, or null. */
  verifyError: string | null;
  at: number;
}

/**
 * What to answer to the n-th request (0-based): after `delayMs`, or once `until` settles.
 * 'hang' never answers (until close).
 */
export type Reply = { status: number; headers?: Record<string, string>; delayMs?: number; until?: Promise<unknown> } | 'hang';

export interface Receiver {
  url: string;
  received: ReceivedDelivery[];
  setSecret(secret: string): void;
  setReply(reply: (index: number, delivery: ReceivedDelivery) => Reply): void;
  /** Resolves when `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  let secret: string | null = null;
  let reply: (index: number, delivery: ReceivedDelivery) => Reply = () => ({ status: 204 });
  const received: ReceivedDelivery[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: unknown = null;
      let verifyError: string | null = null;
      try {
        if (secret === null) throw new Error('receiver has no secret');
        if (new URL(req.url ?? '/', 'http://receiver').pathname !== path) throw new Error(`unexpected path ${req.url}`);
        payload = new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch (err) {
        verifyError = err instanceof Error ? err.message : String(err);
      }
      const delivery: ReceivedDelivery = { headers: req.headers, body, payload, verifyError, at: Date.now() };
      const index = received.push(delivery) - 1;
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer: Reply = verifyError ? { status: 400 } : reply(index, delivery);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const send = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
      };
      if (answer.until) void answer.until.then(send, send);
      else if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    setSecret(value) {
      secret = value;
    },
    setReply(fn) {
      reply = fn;
    },
    waitFor(count, timeoutMs = 15_000) {
      if (received.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver got ${received.length} of ${count} requests in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
