import { describe, expect, it } from 'vitest';
import { allPairs, fitThreshold, leaveOneSubjectOut, ratesAt, THRESHOLD_FLOOR, type Clip } from './lib/identity-metrics.ts';

function clip(id: string, subject: string, angle: number): Clip {
  return { id, subject, template: Float32Array.of(Math.cos(angle), Math.sin(angle)) };
}

describe('identity metrics', () => {
  // Two clips per subject, 0.1 rad apart; subjects 1.2 rad apart (cos 0.36) except c, close to b.
  const clips = [clip('a1', 'a', 0), clip('a2', 'a', 0.1), clip('b1', 'b', 1.2), clip('b2', 'b', 1.3), clip('c1', 'c', 1.9), clip('c2', 'c', 2.0)];

  it('pairs every two clips once, same person from the subject', () => {
    const pairs = allPairs(clips);
    expect(pairs).toHaveLength(15);
    expect(pairs.filter((p) => p.same_person).map((p) => `${p.a}-${p.b}`)).toEqual(['a1-a2', 'b1-b2', 'c1-c2']);
    expect(pairs[0].similarity).toBeCloseTo(Math.cos(0.1), 6);
  });

  it('counts false matches and false non-matches at a threshold', () => {
    const r = ratesAt(allPairs(clips), 0.99);
    expect(r).toMatchObject({ genuine: 3, impostor: 12, false_matches: 0, false_non_matches: 0 });
    expect(ratesAt(allPairs(clips), 0.999).false_non_matches).toBe(3);
  });

  it('fits the highest impostor similarity plus the margin, never under the floor', () => {
    const pairs = allPairs(clips);
    const maxImpostor = Math.max(...pairs.filter((p) => !p.same_person).map((p) => p.similarity));
    expect(fitThreshold(pairs)).toBeCloseTo(maxImpostor + 0.05, 3);
    expect(fitThreshold(allPairs([clip('x1', 'x', 0), clip('y1', 'y', 3)]))).toBe(THRESHOLD_FLOOR);
  });

  it('scores each subject with a threshold fitted without it (leave-one-subject-out)', () => {
    const cv = leaveOneSubjectOut(allPairs(clips));
    expect(cv.folds.map((f) => f.subject)).toEqual(['a', 'b', 'c']);
    // Without b, the b-c closeness (cos 0.6 rad = 0.825..) is unseen: the fold for b and c fit lower.
    const fold = (s: string) => cv.folds.find((f) => f.subject === s)!.threshold;
    expect(fold('b')).toBeLessThan(cv.threshold);
    expect(cv.fmr!).toBeGreaterThan(0); // held out, the b/c impostor pairs cross the lower thresholds
    expect(cv.fnmr).toBe(0);
  });
});
