// Manual review: comments and a reviewer's decision on a session, both audited. A decision does
// not rewrite the verdict or the attestation.
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import type { ReviewRow } from '../store/types.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { SessionDeps } from './options.ts';

export function createReviews({ store, now }: SessionDeps, { load, audit }: Pick<Lifecycle, 'load' | 'audit'>) {
  return {
    /** A comment, or a reviewer's decision (approved / declined) on the session. */
    async addReview(auth: AuthContext, id: string, input: { message: string; decision?: 'approved' | 'declined' }): Promise<ReviewRow> {
      requireScopeOf(auth, 'session:audit');
      const row = await load(auth, id);
      const review: ReviewRow = {
        id: randomUUID(),
        session_id: row.id,
        tenant_id: row.tenant_id,
        kind: input.decision ? 'decision' : 'comment',
        message: input.message,
        decision: input.decision ?? null,
        created_at: now(),
      };
      await store.insertReview(review);
      await audit(row, input.decision ? 'review_decision' : 'review_comment', {
        review_id: review.id,
        decision: review.decision,
        message: review.message,
        api_key: auth.keyId,
      });
      return review;
    },

    async listReviews(auth: AuthContext, id: string): Promise<ReviewRow[]> {
      requireScopeOf(auth, 'session:audit');
      const row = await load(auth, id);
      return store.listReviews(row.id);
    },
  };
}
