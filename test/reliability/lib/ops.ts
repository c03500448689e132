// Small REST and webhook helpers for the fault suites (real HTTP against `livegate start`).
import { startReceiver, type Receiver } from '../../server/webhooks/receiver.ts';

export async function api(origin: string, key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(origin + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
}

export async function apiJson<T = Record<string, unknown>>(origin: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await api(origin, key, method, path, body);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function createSession(origin: string, key: string, body: Record<string, unknown> = {}): Promise<{ session_id: string; token: string }> {
  const created = await apiJson<{ session_id: string; verification_url: string }>(origin, key, 'POST', '/v1/sessions', { action_description: 'Approve: fault test', ...body });
  return { session_id: created.session_id, token: new URL(created.verification_url).hash.slice(1) };
}

/** A receiver that can hold every request unanswered, and counts the deliveries it acknowledged (2xx) by webhook-id. */
export interface AckingReceiver {
  receiver: Receiver;
  acked: Map<string, number>;
  hold(on: boolean): void;
  close(): Promise<void>;
}

export async function ackingReceiver(): Promise<AckingReceiver> {
  const receiver = await startReceiver();
  const acked = new Map<string, number>();
  let holding = false;
  receiver.setReply((_index, delivery) => {
    if (holding) return 'hang';
    const id = String(delivery.headers['webhook-id']);
    acked.set(id, (acked.get(id) ?? 0) + 1);
    return { status: 204 };
  });
  return { receiver, acked, hold: (on) => void (holding = on), close: () => receiver.close() };
}

/** Registers a webhook for all events and hands its secret to the receiver. */
export async function registerWebhook(origin: string, key: string, receiver: Receiver): Promise<string> {
  const created = await apiJson<{ id: string; secret: string }>(origin, key, 'POST', '/v1/webhooks', { url: receiver.url });
  receiver.setSecret(created.secret);
  return created.id;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
