// The capture side of a session, authenticated by the capture token (not an API key): the token
// check, the first page load, and taking the next capture attempt.
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { SessionRow } from '../store/types.ts';
import { hashToken } from './creation.ts';
import { ACTIVE, isTerminal, isUuid, terminalError, type Lifecycle } from './lifecycle.ts';
import { assertNotLockedOut } from './lockout.ts';
import type { SessionDeps } from './options.ts';

function safeEqualHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export function createCaptureAuthorisation(
  { store, now, lockout }: SessionDeps,
  { applyExpiry, audit, announce }: Pick<Lifecycle, 'applyExpiry' | 'audit' | 'announce'>,
) {
  return {
    /** Loads a session for the capture page, checking the capture token in constant time. */
    async authorizeCapture(id: string, token: string | undefined): Promise<SessionRow> {
      const row = isUuid(id) ? await store.getSession(id) : null;
      if (!row) throw new AppError('session_not_found', 'This verification link does not exist.', { hint: 'Ask for a new verification link.' });
      if (!token || !safeEqualHex(hashToken(token), row.capture_token_hash)) {
        throw new AppError('capture_token_invalid', 'This verification link is incomplete or no longer valid.');
      }
      return applyExpiry(row);
    },

    /** First page load: audits user_opened_url once. */
    async markOpened(row: SessionRow): Promise<SessionRow> {
      if (row.opened_at !== null || !ACTIVE.includes(row.status)) return row;
      const updated = await store.updateSession(row.id, ACTIVE, { opened_at: now(), updated_at: now() });
      if (updated) await audit(updated, 'user_opened_url', null);
      return updated ?? row;
    },

    /**
     * pending -> in_progress on the first capture start; later starts keep in_progress. Takes the
     * next attempt atomically (store.reserveAttempt): the returned row's attempts_used is the new
     * attempt's number. Nothing changes when no attempt is left.
     */
    async beginCapture(row: SessionRow, data: Record<string, unknown>): Promise<SessionRow> {
      const exhausted = () => new AppError('attempts_exhausted', 'No capture attempts are left on this session.');
      if (isTerminal(row.status)) throw terminalError(row);
      if (row.attempts_used >= row.max_attempts) throw exhausted();
      await assertNotLockedOut(store, row.tenant_id, row.user_identifier, lockout, now());
      const moved = await store.reserveAttempt(row.id, now());
      if (!moved) {
        const current = (await store.getSession(row.id)) ?? row;
        throw isTerminal(current.status) ? terminalError(current) : exhausted();
      }
      await audit(moved, 'capture_started', { ...data, attempt_number: moved.attempts_used });
      if (moved.status !== row.status) announce(moved, row.status);
      return moved;
    },

    async recordCaptureEvent(row: SessionRow, type: string, data: Record<string, unknown> | null): Promise<void> {
      await audit(row, type, data);
    },
  };
}
