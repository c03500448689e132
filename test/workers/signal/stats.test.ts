import { describe, expect, it } from 'vitest';
import { mean, median, medianOrNull, pearson, pearsonOrNull, std, upperMedian } from '../../../workers/signal/stats.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median(Float64Array.of(5))).toBe(5);
  });

  it('is NaN for an empty list and skips non-finite values by default', () => {
    expect(median([])).toBeNaN();
    expect(median([Number.NaN, 1, Infinity, 3])).toBe(2);
    expect(median([Number.NaN])).toBeNaN();
  });

  it('keeps non-finite values when asked', () => {
    expect(median([1, 2, Infinity], { finiteOnly: false })).toBe(2);
    expect(median([1, Infinity], { finiteOnly: false })).toBe(Infinity);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe('medianOrNull', () => {
  it('is null for an empty list and the median otherwise', () => {
    expect(medianOrNull([])).toBeNull();
    expect(medianOrNull([Number.NaN])).toBeNull();
    expect(medianOrNull([2, 8])).toBe(5);
    expect(medianOrNull([9, 1, 5])).toBe(5);
  });
});

describe('upperMedian', () => {
  it('takes a measured value, the upper middle for even lengths, 0 when empty', () => {
    expect(upperMedian([])).toBe(0);
    expect(upperMedian([4, 1, 3, 2])).toBe(3);
    expect(upperMedian([7, 1, 4])).toBe(4);
  });
});

describe('pearson', () => {
  it('is 1 for a linear relation and -1 for an inverse one', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
  });

  it('is 0 when a series is constant, and uses only the first n pairs', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0);
    expect(pearson([1, 2, 3, 100], [1, 2, 3, -100], 3)).toBeCloseTo(1, 12);
  });

  it('pearsonOrNull answers null below the minimum length or for a constant series', () => {
    const a = Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const b = a.map((v) => 2 * v + 1);
    expect(pearsonOrNull(a.slice(0, 9), b.slice(0, 9), 10)).toBeNull();
    expect(pearsonOrNull(a, b, 10)).toBeCloseTo(1, 12);
    expect(pearsonOrNull(a, new Array(12).fill(3), 10)).toBeNull();
  });
});

describe('mean and std', () => {
  it('reduce a range', () => {
    expect(mean([1, 2, 3, 4], 1, 3)).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(mean([], 0, 0)).toBe(0);
  });
});
