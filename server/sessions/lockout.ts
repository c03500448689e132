// Per-user lockout: `failures` failed verifications (spoof verdicts or failed sessions) within
// `windowS` lock the user for `durationS` from the failure that completed the burst.
import { AppError } from '../errors.ts';
import type { Store } from '../store/types.ts';

export interface LockoutRule {
  failures: number;
  windowS: number;
  durationS: number;
}

/** The end of the lock in force at `now` (epoch ms), or null. `times` ascending. */
export function lockedUntil(times: readonly number[], rule: LockoutRule, now: number): number | null {
  let until: number | null = null;
  for (let k = rule.failures - 1; k < times.length; k++) {
    const burstStart = times[k - rule.failures + 1];
    if (times[k] - burstStart <= rule.windowS * 1000) {
      const end = times[k] + rule.durationS * 1000;
      if (end > now && (until === null || end > until)) until = end;
    }
  }
  return until;
}

export async function assertNotLockedOut(store: Store, tenantId: string, userIdentifier: string | null, rule: LockoutRule, now: number): Promise<void> {
  if (!userIdentifier) return;
  const since = now - (rule.durationS + rule.windowS) * 1000;
  const until = lockedUntil(await store.listRecentFailureTimes(tenantId, userIdentifier, since), rule, now);
  if (until !== null) {
    throw new AppError('user_locked_out', `Too many failed verifications for this user; locked until ${new Date(until).toISOString()}.`, {
      details: { locked_until: new Date(until).toISOString() },
    });
  }
}
