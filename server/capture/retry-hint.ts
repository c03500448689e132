// What the page may tell a person about a refused capture: one coarse category, derived here from
// the quality reasons. Anti-spoofing and integrity reasons never reach the page (the capture token
// may be held by an attacker iterating on a presentation): they map to no hint at all.
import type { FinishAnswer, RetryHint } from '../../workers/protocol/index.ts';
import type { CaptureOutcome } from './service.ts';

/** Quality reason (without the `quality:` prefix) → the category of advice that fits it. */
const HINT_OF: Record<string, RetryHint> = {
  too_dark: 'light',
  overexposed: 'glare',
  face_too_small: 'distance',
  blurry: 'stillness',
  low_detail: 'stillness',
  low_contrast: 'glare',
  frame_jitter: 'stillness',
  face_missing: 'one_face',
  no_face: 'one_face',
};

/** The first reason that has a category wins (reasons come in the gate's order). */
export function retryHintFor(reasons: readonly string[]): RetryHint | null {
  for (const reason of reasons) {
    if (!reason.startsWith('quality:')) continue;
    const hint = HINT_OF[reason.slice('quality:'.length)];
    if (hint) return hint;
  }
  return null;
}

/**
 * The finish answer as the page gets it: quality reasons only (they are about the capture, not
 * about how a presentation was caught) and their hint, for the retry or for the final quality
 * failure; never for a verdict.
 */
export function pageOutcome(outcome: CaptureOutcome): FinishAnswer {
  const quality = outcome.failure_reasons.filter((r) => r.startsWith('quality:'));
  return { ...outcome, failure_reasons: quality, retry_hint: outcome.status === 'completed' ? null : retryHintFor(quality) };
}
