// Blur measure: variance of the 4-neighbour Laplacian over a grayscale image (Pech-Pacheco et
// al. 2000). Sharp detail gives large second derivatives; defocus, motion blur and heavy
// compression flatten them. The value depends on crop size and content, so thresholds are set
// for the face crop size of the capture plan (see quality-gates.ts).

export function laplacianVariance(gray: Uint8Array | Uint8ClampedArray | Float32Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0, sumSq = 0, n = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const l = gray[i - 1] + gray[i + 1] + gray[i - width] + gray[i + width] - 4 * gray[i];
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}
