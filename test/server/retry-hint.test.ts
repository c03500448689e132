// The finish answer the page gets: a coarse retry hint from quality reasons only; anti-spoofing
// and integrity reasons never reach the page.
import { describe, expect, it } from 'vitest';
import { pageOutcome, retryHintFor } from '../../server/capture/retry-hint.ts';

describe('retryHintFor', () => {
  it('maps each quality reason to its category', () => {
    expect(retryHintFor(['quality:too_dark'])).toBe('light');
    expect(retryHintFor(['quality:overexposed'])).toBe('glare');
    expect(retryHintFor(['quality:face_too_small'])).toBe('distance');
    expect(retryHintFor(['quality:blurry'])).toBe('stillness');
    expect(retryHintFor(['quality:low_contrast'])).toBe('glare');
    expect(retryHintFor(['quality:face_missing'])).toBe('one_face');
  });
  it('takes the first reason with a category and ignores everything that is not quality', () => {
    expect(retryHintFor(['quality:low_frame_rate', 'quality:too_dark', 'quality:blurry'])).toBe('light');
    expect(retryHintFor(['pulse:not_detected', 'cnn:presentation_attack'])).toBeNull();
    expect(retryHintFor(['integrity:duplicated_frames'])).toBeNull();
  });
});

describe('pageOutcome', () => {
  it('a quality refusal with attempts left: the hint and the quality reasons', () => {
    const out = pageOutcome({ status: 'in_progress', verdict: null, attempts_left: 2, failure_reasons: ['quality:too_dark'], retry: true });
    expect(out).toEqual({ status: 'in_progress', verdict: null, attempts_left: 2, failure_reasons: ['quality:too_dark'], retry: true, retry_hint: 'light' });
  });
  it('a spoof verdict: no check names and no hint', () => {
    const out = pageOutcome({ status: 'completed', verdict: 'spoof', attempts_left: 2, failure_reasons: ['pulse:not_detected', 'cnn:presentation_attack', 'integrity:duplicated_frames'], retry: false });
    expect(out.failure_reasons).toEqual([]);
    expect(out.retry_hint).toBeNull();
    expect(JSON.stringify(out)).not.toMatch(/pulse|cnn|integrity/);
  });
  it('the last attempt refused for its quality: the hint still names why', () => {
    expect(pageOutcome({ status: 'failed', verdict: null, attempts_left: 0, failure_reasons: ['quality:too_dark'], retry: false }).retry_hint).toBe('light');
  });
  it('a live verdict: no reasons, no hint', () => {
    expect(pageOutcome({ status: 'completed', verdict: 'live', attempts_left: 2, failure_reasons: [], retry: false })).toMatchObject({ failure_reasons: [], retry_hint: null });
  });
});
