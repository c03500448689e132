import { SignalError } from './errors.ts';

/** A radix-2 complex FFT of one fixed size, with precomputed twiddles and bit-reversal table. */
export interface Fft {
  readonly size: number;
  /** In-place forward transform (no scaling). */
  forward(re: Float64Array, im: Float64Array): void;
  /** In-place inverse transform, scaled by 1/size so that inverse(forward(x)) = x. */
  inverse(re: Float64Array, im: Float64Array): void;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function createFft(size: number): Fft {
  if (!isPowerOfTwo(size)) throw new SignalError('signal_fft_size', `FFT size must be a power of two, got ${size}`);
  const rev = new Uint32Array(size);
  const bits = Math.log2(size);
  for (let i = 0; i < size; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const half = size >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / size);
    sin[k] = Math.sin((2 * Math.PI * k) / size);
  }

  function transform(re: Float64Array, im: Float64Array, sign: number): void {
    if (re.length < size || im.length < size) {
      throw new SignalError('signal_fft_size', `buffers shorter than FFT size ${size}`);
    }
    for (let i = 0; i < size; i++) {
      const j = rev[i];
      if (j > i) {
        const tr = re[i]; re[i] = re[j]; re[j] = tr;
        const ti = im[i]; im[i] = im[j]; im[j] = ti;
      }
    }
    for (let len = 2; len <= size; len <<= 1) {
      const halfLen = len >> 1;
      const step = size / len;
      for (let start = 0; start < size; start += len) {
        for (let k = 0; k < halfLen; k++) {
          const wr = cos[k * step];
          const wi = sign * sin[k * step];
          const a = start + k;
          const b = a + halfLen;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr; im[b] = im[a] - xi;
          re[a] += xr; im[a] += xi;
        }
      }
    }
  }

  return {
    size,
    forward(re, im) { transform(re, im, -1); },
    inverse(re, im) {
      transform(re, im, 1);
      const s = 1 / size;
      for (let i = 0; i < size; i++) { re[i] *= s; im[i] *= s; }
    },
  };
}
