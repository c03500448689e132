// Waiting and watching by polling a status getter: for a remote Livegate (REST has no push
// channel) and for `livegate mcp --data` beside `livegate start`, where the session changes in
// the other process and this one's change events never fire.
import type { SessionStatus } from '../sessions/schemas.ts';
import { TERMINAL_STATUSES } from '../store/types.ts';
import type { WaitOutcome } from './client.ts';

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_WATCH_INTERVAL_MS = 2_000;

type GetStatus = (id: string) => Promise<SessionStatus>;

const isTerminal = (s: SessionStatus) => TERMINAL_STATUSES.includes(s.status);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function pollingWait(getStatus: GetStatus, intervalMs = DEFAULT_POLL_INTERVAL_MS) {
  return async (
    id: string,
    waitMs: number,
    onChange?: (status: SessionStatus) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<WaitOutcome> => {
    const deadline = Date.now() + waitMs;
    let status = await getStatus(id);
    while (!isTerminal(status) && Date.now() < deadline && !signal?.aborted) {
      await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
      const next = await getStatus(id);
      if (next.status !== status.status) await onChange?.(next);
      status = next;
    }
    return { status, timed_out: !isTerminal(status) };
  };
}

export function pollingWatch(getStatus: GetStatus, intervalMs = DEFAULT_WATCH_INTERVAL_MS) {
  return async (id: string, onChange: (status: string) => void): Promise<() => void> => {
    let last = (await getStatus(id)).status;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      getStatus(id)
        .then((s) => {
          if (s.status !== last) {
            last = s.status;
            onChange(s.status);
          }
        })
        .catch(() => undefined) // a missed poll is retried on the next tick
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  };
}
