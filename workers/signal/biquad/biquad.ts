/**
 * Second-order IIR sections (RBJ audio-EQ cookbook designs), transposed direct form II.
 * Coefficients are stored normalised by a0 as [b0, b1, b2, a1, a2] per section.
 */

export type BiquadCoefficients = Float64Array; // length 5

export function designLowpass(cutoffHz: number, sampleRate: number, q: number): BiquadCoefficients {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const c = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  return Float64Array.of((1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, (-2 * c) / a0, (1 - alpha) / a0);
}

export function designHighpass(cutoffHz: number, sampleRate: number, q: number): BiquadCoefficients {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const c = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  return Float64Array.of((1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, (-2 * c) / a0, (1 - alpha) / a0);
}

/** Q factors of the biquads that make an even-order Butterworth filter. */
export function butterworthQs(order: number): number[] {
  const qs: number[] = [];
  for (let k = 0; k < order / 2; k++) qs.push(1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / (2 * order))));
  return qs;
}

/** Magnitude response of a cascade at frequency f (Hz). */
export function cascadeMagnitude(sections: readonly BiquadCoefficients[], f: number, sampleRate: number): number {
  const w = (2 * Math.PI * f) / sampleRate;
  let mag = 1;
  for (const s of sections) {
    const [b0, b1, b2, a1, a2] = s;
    const nr = b0 + b1 * Math.cos(w) + b2 * Math.cos(2 * w);
    const ni = -(b1 * Math.sin(w) + b2 * Math.sin(2 * w));
    const dr = 1 + a1 * Math.cos(w) + a2 * Math.cos(2 * w);
    const di = -(a1 * Math.sin(w) + a2 * Math.sin(2 * w));
    mag *= Math.hypot(nr, ni) / Math.hypot(dr, di);
  }
  return mag;
}
