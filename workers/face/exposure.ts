// Exposure of a grayscale face crop: mean luma and the shares of crushed-dark and clipped pixels.

export const DEFAULT_DARK_LUMA = 25;
export const DEFAULT_CLIPPED_LUMA = 250;

export interface ExposureStats {
  mean_luma: number;
  dark_share: number;
  clipped_share: number;
}

export function exposureStats(
  gray: Uint8Array | Uint8ClampedArray,
  darkLuma = DEFAULT_DARK_LUMA,
  clippedLuma = DEFAULT_CLIPPED_LUMA,
): ExposureStats {
  const n = gray.length;
  if (n === 0) return { mean_luma: 0, dark_share: 0, clipped_share: 0 };
  let sum = 0, dark = 0, clipped = 0;
  for (let i = 0; i < n; i++) {
    const v = gray[i];
    sum += v;
    if (v <= darkLuma) dark++;
    else if (v >= clippedLuma) clipped++;
  }
  return { mean_luma: sum / n, dark_share: dark / n, clipped_share: clipped / n };
}
