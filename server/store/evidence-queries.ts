// Capture attempts and their evidence: the chunks (with the per-attempt byte budget counted in
// the same statement), the replay fingerprints and the light-challenge reveal times.
import { ATTEMPTS, EVIDENCE_CHUNKS } from './tables.ts';
import { ENDED_STATUSES, placeholders, type SqlKit } from './sql-driver.ts';
import type { AttemptRow, EvidenceChunkRow, EvidenceReuse, Store } from './types.ts';
import { ATTEMPT_PATCH_COLUMNS, StoreError } from './types.ts';

const ATTEMPT_COLUMNS = ATTEMPTS.columns.join(', ');

type Queries = Pick<
  Store,
  | 'insertAttempt' | 'getAttempt' | 'listAttempts' | 'supersedeOlderAttempts' | 'updateAttempt' | 'putEvidenceChunk' | 'listEvidenceChunks'
  | 'evidenceBytes' | 'deleteEvidence' | 'purgeEvidenceBefore' | 'putEvidenceFingerprints' | 'findEvidenceReuse'
  | 'purgeEvidenceFingerprintsBefore' | 'recordLightReveals' | 'listLightReveals'
>;

export function evidenceQueries({ driver, all, run, param, first, many, insert, setClause }: SqlKit): Queries {
  return {
    // evidence_bytes, the running total, stays inside the store
    insertAttempt: (row: AttemptRow) => insert(ATTEMPTS, row),
    getAttempt: (id) => first<AttemptRow>(ATTEMPTS, `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE id = ?`, [id]),
    listAttempts: (sessionId) =>
      many<AttemptRow>(ATTEMPTS, `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE session_id = ? ORDER BY number`, [sessionId]),
    supersedeOlderAttempts: (sessionId, at) =>
      run(
        `UPDATE attempts SET status = 'superseded', finished_at = ?
         WHERE session_id = ? AND status = 'capturing' AND number < (SELECT MAX(number) FROM attempts WHERE session_id = ?)`,
        [at, sessionId, sessionId],
      ),
    async updateAttempt(id, patch) {
      const set = setClause(ATTEMPTS, ATTEMPT_PATCH_COLUMNS, patch);
      if (set.sql === '') return;
      await run(`UPDATE attempts SET ${set.sql} WHERE id = ?`, [...set.params, id]);
    },
    async putEvidenceChunk(row: EvidenceChunkRow, limits = {}) {
      const stored = async () => {
        const existing = await all('SELECT sha256 FROM evidence_chunks WHERE attempt_id = ? AND seq = ?', [row.attempt_id, row.seq]);
        if (existing.length === 0) return null;
        return existing[0].sha256 === row.sha256 ? ('duplicate' as const) : ('conflict' as const);
      };
      // A retry is answered before counting: it must not be refused for the bytes it already sent.
      const before = await stored();
      if (before !== null) return before;
      const size = row.bytes.byteLength;
      // Check and count in one statement (PostgreSQL re-checks the WHERE on the row it locked).
      const counted = await run('UPDATE attempts SET evidence_bytes = evidence_bytes + ? WHERE id = ? AND evidence_bytes + ? <= ?', [
        size, row.attempt_id, size, limits.maxAttemptBytes ?? Number.MAX_SAFE_INTEGER,
      ]);
      if (counted === 0) {
        const exists = await all('SELECT 1 AS found FROM attempts WHERE id = ?', [row.attempt_id]);
        if (exists.length === 0) throw new StoreError('not_found', `no attempt ${row.attempt_id}`);
        return (await stored()) ?? 'too_large';
      }
      const cols = EVIDENCE_CHUNKS.columns;
      const changed = await run(
        `INSERT INTO evidence_chunks (${cols.join(', ')}) VALUES (${placeholders(cols.length)})
         ON CONFLICT (attempt_id, seq) DO NOTHING`,
        cols.map((c) => param(EVIDENCE_CHUNKS, c, (row as unknown as Record<string, unknown>)[c])),
      );
      if (changed > 0) return 'stored';
      // A parallel copy of the same seq won: give the bytes back.
      await run('UPDATE attempts SET evidence_bytes = evidence_bytes - ? WHERE id = ?', [size, row.attempt_id]);
      return (await stored()) ?? 'conflict';
    },
    listEvidenceChunks: (attemptId) =>
      many<EvidenceChunkRow>(EVIDENCE_CHUNKS, 'SELECT * FROM evidence_chunks WHERE attempt_id = ? ORDER BY seq', [
        attemptId,
      ]),
    async evidenceBytes(attemptId) {
      const rows = await all(
        `SELECT COALESCE(SUM(${driver.byteLength('bytes')}), 0) AS n FROM evidence_chunks WHERE attempt_id = ?`,
        [attemptId],
      );
      return Number(rows[0].n);
    },
    /** Deletes the evidence chunks of every attempt of the session; returns how many chunks went. */
    deleteEvidence: (sessionId) =>
      run('DELETE FROM evidence_chunks WHERE attempt_id IN (SELECT id FROM attempts WHERE session_id = ?)', [sessionId]),
    purgeEvidenceBefore: (endedBefore) =>
      run(
        `DELETE FROM evidence_chunks WHERE attempt_id IN (
           SELECT a.id FROM attempts a JOIN sessions s ON s.id = a.session_id
           WHERE s.status IN ${ENDED_STATUSES} AND s.updated_at < ?)`,
        [endedBefore],
      ),
    async putEvidenceFingerprints({ tenant_id, session_id, attempt_id, created_at, hashes }) {
      const unique = [...new Set(hashes)];
      // Batches keep every statement well under both dialects' parameter limits.
      for (let i = 0; i < unique.length; i += 200) {
        const batch = unique.slice(i, i + 200);
        await run(
          `INSERT INTO evidence_fingerprints (tenant_id, hash, attempt_id, session_id, created_at)
           VALUES ${batch.map(() => '(?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (tenant_id, hash, attempt_id) DO NOTHING`,
          batch.flatMap((hash) => [tenant_id, hash, attempt_id, session_id, created_at]),
        );
      }
    },
    async findEvidenceReuse(tenantId, hashes, exceptAttemptId) {
      const unique = [...new Set(hashes)];
      const counts = new Map<string, EvidenceReuse>();
      for (let i = 0; i < unique.length; i += 500) {
        const batch = unique.slice(i, i + 500);
        const rows = await all(
          `SELECT attempt_id, session_id, COUNT(*) AS n FROM evidence_fingerprints
           WHERE tenant_id = ? AND attempt_id <> ? AND hash IN (${placeholders(batch.length)})
           GROUP BY attempt_id, session_id`,
          [tenantId, exceptAttemptId, ...batch],
        );
        for (const r of rows) {
          const key = String(r.attempt_id);
          const seen = counts.get(key) ?? { attempt_id: key, session_id: String(r.session_id), matches: 0 };
          seen.matches += Number(r.n);
          counts.set(key, seen);
        }
      }
      return [...counts.values()].sort((a, b) => b.matches - a.matches || a.attempt_id.localeCompare(b.attempt_id));
    },
    purgeEvidenceFingerprintsBefore: (before) => run('DELETE FROM evidence_fingerprints WHERE created_at < ?', [before]),
    async recordLightReveals(attemptId, steps, revealedAtMs) {
      if (steps.length === 0) return;
      await run(
        `INSERT INTO light_reveals (attempt_id, step, revealed_at_ms) VALUES ${steps.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (attempt_id, step) DO NOTHING`,
        steps.flatMap((step) => [attemptId, step, Math.round(revealedAtMs)]),
      );
    },
    async listLightReveals(attemptId) {
      const rows = await all('SELECT step, revealed_at_ms FROM light_reveals WHERE attempt_id = ? ORDER BY step', [attemptId]);
      return rows.map((r) => ({ step: Number(r.step), revealed_at_ms: Number(r.revealed_at_ms) }));
    },
  };
}
