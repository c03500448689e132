// SVG plots for docs/EVALUATION.md, written by the calibration command: a DET curve (probit
// axes, as ISO/IEC 19795-1 draws them) and per-check score strips, bona fide vs each attack type.
import type { DetPoint } from './pad-fit.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Inverse normal CDF (Acklam's rational approximation), for probit axes. */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  if (q < 0.02425) {
    const u = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * u + c[1]) * u + c[2]) * u + c[3]) * u + c[4]) * u + c[5]) / ((((d[0] * u + d[1]) * u + d[2]) * u + d[3]) * u + 1);
  }
  if (q > 1 - 0.02425) return -probit(1 - q);
  const u = q - 0.5, t = u * u;
  return ((((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * u) / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
}

export interface DetSeries {
  name: string;
  points: DetPoint[];
  colour: string;
}

/** DET curve: APCER (x) vs BPCER (y) on probit axes from 1 % to 60 %; 0 % drawn at the edge. */
export function detSvg(series: DetSeries[], marks: Array<{ label: string; apcer: number; bpcer: number }>, title: string): string {
  const W = 520, H = 440, L = 60, T = 40, R = 20, B = 50;
  const lo = probit(0.01), hi = probit(0.6);
  const sx = (p: number) => L + ((probit(Math.max(p, 0.01)) - lo) / (hi - lo)) * (W - L - R);
  const sy = (p: number) => H - B - ((probit(Math.max(p, 0.01)) - lo) / (hi - lo)) * (H - T - B);
  const ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6];
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">${esc(title)}</text>`];
  for (const t of ticks) {
    out.push(`<line x1="${sx(t)}" y1="${T}" x2="${sx(t)}" y2="${H - B}" stroke="#ddd"/><text x="${sx(t)}" y="${H - B + 14}" text-anchor="middle">${t * 100}%</text>`);
    out.push(`<line x1="${L}" y1="${sy(t)}" x2="${W - R}" y2="${sy(t)}" stroke="#ddd"/><text x="${L - 6}" y="${sy(t) + 4}" text-anchor="end">${t * 100}%</text>`);
  }
  out.push(`<line x1="${sx(0.01)}" y1="${sy(0.01)}" x2="${sx(0.6)}" y2="${sy(0.6)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">APCER (attacks accepted; ≤ 1 % drawn at the edge)</text>`);
  out.push(`<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">BPCER (bona fide refused)</text>`);
  series.forEach((s, i) => {
    // Step curve through the operating points.
    const pts = s.points.map((p) => `${sx(p.apcer).toFixed(1)},${sy(p.bpcer).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
    out.push(`<rect x="${W - R - 190}" y="${T + 8 + 16 * i}" width="12" height="3" fill="${s.colour}"/><text x="${W - R - 172}" y="${T + 13 + 16 * i}">${esc(s.name)}</text>`);
  });
  for (const m of marks) {
    out.push(`<circle cx="${sx(m.apcer)}" cy="${sy(m.bpcer)}" r="4" fill="black"/><text x="${sx(m.apcer) + 6}" y="${sy(m.bpcer) - 6}">${esc(m.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

export interface StripPanel {
  title: string;
  /** Axis range; values outside are drawn at the edge. */
  min: number;
  max: number;
  /** Threshold line (the check's own threshold). */
  threshold?: number;
  groups: Array<{ name: string; values: number[] }>;
}

/** One strip chart per check: a dot per recording, one row per class. */
export function stripSvg(panels: StripPanel[], title: string): string {
  const rows = Math.max(...panels.map((p) => p.groups.length));
  const PW = 300, PH = 40 + rows * 22, L = 130, cols = 2;
  const W = cols * (PW + L) + 20, H = 40 + Math.ceil(panels.length / cols) * (PH + 30);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">${esc(title)}</text>`];
  panels.forEach((p, i) => {
    const ox = 10 + (i % cols) * (PW + L), oy = 40 + Math.floor(i / cols) * (PH + 30);
    const sx = (v: number) => ox + L + ((Math.min(p.max, Math.max(p.min, v)) - p.min) / (p.max - p.min)) * (PW - 10);
    out.push(`<text x="${ox + L}" y="${oy + 10}" font-weight="bold">${esc(p.title)}</text>`);
    const axisY = oy + 22 + p.groups.length * 22;
    out.push(`<line x1="${sx(p.min)}" y1="${axisY}" x2="${sx(p.max)}" y2="${axisY}" stroke="#888"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = p.min + ((p.max - p.min) * k) / 4;
      out.push(`<text x="${sx(v)}" y="${axisY + 13}" text-anchor="middle">${Number(v.toPrecision(3))}</text>`);
    }
    if (p.threshold !== undefined) out.push(`<line x1="${sx(p.threshold)}" y1="${oy + 16}" x2="${sx(p.threshold)}" y2="${axisY}" stroke="#c00" stroke-dasharray="3 3"/>`);
    p.groups.forEach((g, j) => {
      const y = oy + 28 + j * 22;
      out.push(`<text x="${ox + L - 8}" y="${y + 4}" text-anchor="end">${esc(g.name)} (${g.values.length})</text>`);
      for (const v of g.values) out.push(`<circle cx="${sx(v).toFixed(1)}" cy="${y}" r="3.5" fill="${g.name === 'bona fide' ? '#1a7f37' : '#cf222e'}" fill-opacity="0.55"/>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
