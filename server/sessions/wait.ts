// Waiting for a session to end (`wait_for_verification`): the wait subscribes to the change feed
// (changes.ts: LISTEN/NOTIFY on PostgreSQL, so a completion on another instance wakes it) and
// never to anything in-process of its own.
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import type { SessionChange, SessionChanges } from './changes.ts';
import { isTerminal, type Lifecycle } from './lifecycle.ts';
import type { SessionStatus } from './schemas.ts';
import { statusView } from './views.ts';

export interface WaitDeps {
  changes: SessionChanges;
  now: () => number;
  /** How often a wait re-reads the session when the feed is shared and best effort (ms). */
  sharedWaitPollMs: number;
}

export function createWaits({ changes, now, sharedWaitPollMs }: WaitDeps, { load }: Pick<Lifecycle, 'load'>) {
  return {
    /**
     * Resolves when the session is terminal or `timeoutMs` passes; calls onChange for every
     * status change seen meanwhile. Never throws on timeout: returns the current status.
     */
    async waitForTerminal(
      auth: AuthContext,
      id: string,
      timeoutMs: number,
      onChange?: (status: SessionStatus) => void | Promise<void>,
      signal?: AbortSignal,
    ): Promise<{ status: SessionStatus; timed_out: boolean }> {
      requireScopeOf(auth, 'session:read');
      let row = await load(auth, id);
      if (isTerminal(row.status)) return { status: statusView(row), timed_out: false };
      const deadline = now() + timeoutMs;
      return new Promise((resolve, reject) => {
        let settled = false;
        const finish = async (timedOut: boolean) => {
          if (settled) return;
          settled = true;
          cleanup();
          try {
            row = await load(auth, id);
            resolve({ status: statusView(row), timed_out: timedOut && !isTerminal(row.status) });
          } catch (err) {
            reject(err);
          }
        };
        let seen = row.status;
        const listener = async (change?: SessionChange) => {
          try {
            const current = await load(auth, id);
            // A poll that finds nothing new stays quiet; a published change is always reported.
            if (!change && current.status === seen) return;
            seen = current.status;
            if (settled) return;
            await onChange?.(statusView(current));
            if (isTerminal(current.status) || (change && isTerminal(change.status))) void finish(false);
          } catch {
            /* a failed progress notification must not end the wait */
          }
        };
        const unsubscribe = changes.subscribe(id, (change) => void listener(change));
        // A shared feed is best effort (a notification sent while the listener reconnects is
        // lost): re-read the session now and then so such a wait still ends.
        const poll = changes.shared ? setInterval(() => void listener(), sharedWaitPollMs) : undefined;
        // Expiry has no event of its own: wake at the session's expiry too when it comes first.
        const untilExpiry = row.expires_at - now() + 5;
        const expiryTimer = untilExpiry < timeoutMs ? setTimeout(() => void finish(false), Math.max(0, untilExpiry)) : undefined;
        const timer = setTimeout(() => void finish(true), Math.max(0, deadline - now()));
        const onAbort = () => void finish(true);
        const cleanup = () => {
          clearTimeout(timer);
          clearTimeout(expiryTimer);
          clearInterval(poll);
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        // A change between the first read and the subscription would otherwise go unseen.
        void listener();
      });
    },
  };
}
