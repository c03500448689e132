/** Lab-only helpers: resample a trace to a uniform rate, remove its trend, and a band DFT. */

export function detrendedSeries(trace: { t: number; g: number }[], rate: number): Float64Array {
  if (trace.length < 2) return new Float64Array(0);
  const t0 = trace[0].t;
  const n = Math.floor(((trace[trace.length - 1].t - t0) / 1000) * rate);
  const out = new Float64Array(Math.max(0, n));
  let j = 0;
  for (let i = 0; i < n; i++) {
    const tt = t0 + (i * 1000) / rate;
    while (j < trace.length - 2 && trace[j + 1].t < tt) j++;
    const a = trace[j], b = trace[j + 1];
    const w = b.t > a.t ? (tt - a.t) / (b.t - a.t) : 0;
    out[i] = a.g + (b.g - a.g) * Math.min(1, Math.max(0, w));
  }
  // Subtract a one-second moving mean (removes slow light drift).
  const half = Math.floor(rate / 2);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0, c = 0;
    for (let k = Math.max(0, i - half); k <= Math.min(n - 1, i + half); k++) { s += out[k]; c++; }
    res[i] = out[i] - s / c;
  }
  return res;
}

export function spectrumOf(x: Float64Array, rate: number, lowHz: number, highHz: number): { power: Float64Array; peakHz: number } {
  const bins = 120;
  const power = new Float64Array(bins);
  if (x.length < rate * 3) return { power, peakHz: 0 };
  let best = 0, peakHz = 0;
  for (let k = 0; k < bins; k++) {
    const f = lowHz + ((highHz - lowHz) * k) / (bins - 1);
    let re = 0, im = 0;
    for (let i = 0; i < x.length; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1));
      const a = (2 * Math.PI * f * i) / rate;
      re += x[i] * w * Math.cos(a);
      im -= x[i] * w * Math.sin(a);
    }
    power[k] = re * re + im * im;
    if (power[k] > best) { best = power[k]; peakHz = f; }
  }
  return { power, peakHz };
}
