// The session change feed: every status change of a session is published here, and waits
// (`wait_for_verification`, MCP resource subscriptions) subscribe to it. On SQLite there is one
// process, so an in-process EventEmitter is the whole feed. On PostgreSQL several instances share
// the database: a change is delivered to this instance's subscribers at once and sent to the other
// instances with NOTIFY on one channel, which every instance LISTENs to.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { PostgresStore } from '../store/postgres.ts';
import { SessionStatusSchema, type SessionStatus } from '../../workers/protocol/index.ts';

export interface SessionChange {
  session_id: string;
  tenant_id: string;
  status: SessionStatus;
  previous: SessionStatus;
}

export type SessionChangeHandler = (change: SessionChange) => void;

export interface SessionChanges {
  /**
   * True when changes can also come from other processes over a best-effort channel
   * (notifications are lost while the listening connection reconnects): waiters then also
   * re-read the session at a slow pace.
   */
  readonly shared: boolean;
  /** Announces a change to the subscribers of this instance and, when shared, of every other. */
  publish(change: SessionChange): void;
  /** Calls `handler` for each change of one session; returns the unsubscribe. */
  subscribe(sessionId: string, handler: SessionChangeHandler): () => void;
  /** Open subscriptions on this instance, for one session or all (leak checks). */
  subscriberCount(sessionId?: string): number;
  close(): Promise<void>;
}

/** The NOTIFY channel every instance listens on. */
export const SESSION_CHANGES_CHANNEL = 'livegate_session_changes';

interface Logger {
  warn(obj: unknown, msg?: string): void;
}

function localEmitter() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    emit: (change: SessionChange) => void emitter.emit(change.session_id, change),
    subscribe(sessionId: string, handler: SessionChangeHandler) {
      emitter.on(sessionId, handler);
      return () => void emitter.off(sessionId, handler);
    },
    subscriberCount(sessionId?: string) {
      const names = sessionId === undefined ? emitter.eventNames() : [sessionId];
      return names.reduce((n, name) => n + emitter.listenerCount(name), 0);
    },
  };
}

/** The feed of a single process (SQLite, or tests). */
export function createLocalSessionChanges(): SessionChanges {
  const local = localEmitter();
  return {
    shared: false,
    publish: local.emit,
    subscribe: local.subscribe,
    subscriberCount: local.subscriberCount,
    async close() {},
  };
}

const statusSchema = SessionStatusSchema;
/** The NOTIFY payload: the change plus the sending instance (which already delivered it locally). */
const wireSchema = z.object({
  from: z.string(),
  session_id: z.string(),
  tenant_id: z.string(),
  status: statusSchema,
  previous: statusSchema,
});

export interface PostgresSessionChangesOptions {
  logger?: Logger;
  /** How long to wait before trying LISTEN again when the first attempt fails (ms). */
  retryMs?: number;
}

/**
 * The feed over PostgreSQL LISTEN/NOTIFY. Resolves once LISTEN is in place, or at once when the
 * database is unreachable now (it keeps trying in the background; waiters poll meanwhile).
 */
export async function createPostgresSessionChanges(store: PostgresStore, options: PostgresSessionChangesOptions = {}): Promise<SessionChanges> {
  const local = localEmitter();
  const instance = randomUUID();
  const retryMs = options.retryMs ?? 1_000;
  let stop: (() => Promise<void>) | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const onNotification = (payload: string) => {
    let parsed: z.infer<typeof wireSchema>;
    try {
      parsed = wireSchema.parse(JSON.parse(payload));
    } catch {
      return; // not ours, or from an incompatible version: the slow poll covers it
    }
    if (parsed.from === instance) return;
    const { from: _from, ...change } = parsed;
    local.emit(change);
  };

  async function listen(): Promise<void> {
    try {
      const unlisten = await store.listen(SESSION_CHANGES_CHANNEL, onNotification);
      if (closed) await unlisten();
      else stop = unlisten;
    } catch (err) {
      options.logger?.warn({ err }, 'session change feed: LISTEN failed; retrying');
      if (!closed) retry = setTimeout(() => void listen(), retryMs).unref();
    }
  }
  await listen();

  return {
    shared: true,
    publish(change) {
      local.emit(change);
      const payload = JSON.stringify({ from: instance, ...change });
      store.notify(SESSION_CHANGES_CHANNEL, payload).catch((err: unknown) => {
        options.logger?.warn({ err, session_id: change.session_id }, 'session change feed: NOTIFY failed');
      });
    },
    subscribe: local.subscribe,
    subscriberCount: local.subscriberCount,
    async close() {
      closed = true;
      clearTimeout(retry);
      const s = stop;
      stop = null;
      await s?.().catch(() => undefined);
    },
  };
}
