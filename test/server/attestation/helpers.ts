// Shared fixtures for the attestation suites: a real SQLite store on a temp file, a frozen
// clock, and a complete attestation body.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionSha256 } from '../../../server/attestation/action-hash.ts';
import type { AttestationBody } from '../../../server/attestation/claims.ts';
import { createSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/types.ts';

export interface TempDb {
  file: string;
  /** Opens another migrated store on the same file (another process, or a restart). */
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function tempDb(): Promise<TempDb> {
  const dir = await mkdtemp(join(tmpdir(), 'livegate-attestation-'));
  const file = join(dir, 'livegate.db');
  const opened: Store[] = [];
  return {
    file,
    async open() {
      const store = createSqliteStore(file);
      await store.migrate();
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const s of opened) await s.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A settable clock in epoch milliseconds. */
export function manualClock(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    get seconds() {
      return Math.floor(t / 1000);
    },
  };
}

export const ACTION = { description: 'Wire $5,000 to ACME GmbH', details: { amount: 5000, currency: 'USD', iban: 'DE89370400440532013000' } };

export function attestationBody(overrides: Partial<AttestationBody> = {}): AttestationBody {
  return {
    verdict: 'live',
    confidence: 0.93,
    score: 91,
    risk_level: 'standard',
    model_used: '10',
    frames_processed: 10,
    processing_ms: 412,
    action_description: ACTION.description,
    action_sha256: actionSha256(ACTION.description, ACTION.details),
    verified_at: '2026-11-22T12:00:00.000Z',
    expires_at: '2026-11-22T12:10:00.000Z',
    user_identifier: 'alice@example.com',
    checks: { pulse: { passed: true } },
    ...overrides,
  };
}
