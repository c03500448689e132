// Planar homography between two point sets by the normalised DLT (Hartley & Zisserman, alg. 4.2):
// translate each set to its centroid and scale to mean distance sqrt(2), stack the 2N x 9 DLT
// system, take the eigenvector of A^T A with the smallest eigenvalue (cyclic Jacobi on 9 x 9),
// undo the normalisation. Least squares over all points; no RANSAC: landmark tracks have no
// gross outliers, and an outlier-robust fit would hide exactly the parallax we look for.

export interface PointNormalization {
  cx: number;
  cy: number;
  scale: number;
}

/** x,y interleaved points; NaN pairs are skipped. */
function normalization(p: Float32Array | Float64Array, out: PointNormalization): number {
  let n = 0, cx = 0, cy = 0;
  for (let i = 0; i < p.length; i += 2) {
    if (!(p[i] === p[i]) || !(p[i + 1] === p[i + 1])) continue;
    cx += p[i]; cy += p[i + 1]; n++;
  }
  cx /= n; cy /= n;
  let d = 0;
  for (let i = 0; i < p.length; i += 2) {
    if (!(p[i] === p[i]) || !(p[i + 1] === p[i + 1])) continue;
    d += Math.hypot(p[i] - cx, p[i + 1] - cy);
  }
  out.cx = cx; out.cy = cy; out.scale = d > 0 ? (Math.SQRT2 * n) / d : 1;
  return n;
}

const ata = new Float64Array(81);
const eigvec = new Float64Array(81);
const row = new Float64Array(9);
const na: PointNormalization = { cx: 0, cy: 0, scale: 1 };
const nb: PointNormalization = { cx: 0, cy: 0, scale: 1 };
const hnTa = new Float64Array(9);

/** Symmetric 9x9 eigen-decomposition in place (cyclic Jacobi); eigenvalues end on the diagonal. */
function jacobiEigen(a: Float64Array, v: Float64Array): void {
  const n = 9;
  v.fill(0);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) return;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
}

function accumulate(r: Float64Array): void {
  for (let i = 0; i < 9; i++) {
    const ri = r[i];
    if (ri === 0) continue;
    for (let j = 0; j < 9; j++) ata[i * 9 + j] += ri * r[j];
  }
}

/**
 * Fits H (row-major 3x3 into `out`) with dst ~ H src. Points are x,y interleaved and paired by
 * position; pairs with NaN are skipped. Returns false with fewer than 4 usable pairs.
 */
export function fitHomography(src: Float32Array | Float64Array, dst: Float32Array | Float64Array, out: Float64Array = new Float64Array(9)): boolean {
  let usable = 0;
  for (let i = 0; i < src.length; i += 2) {
    if (src[i] === src[i] && src[i + 1] === src[i + 1] && dst[i] === dst[i] && dst[i + 1] === dst[i + 1]) usable++;
  }
  if (usable < 4) return false;
  normalization(src, na);
  normalization(dst, nb);
  ata.fill(0);
  for (let i = 0; i < src.length; i += 2) {
    if (!(src[i] === src[i] && src[i + 1] === src[i + 1] && dst[i] === dst[i] && dst[i + 1] === dst[i + 1])) continue;
    const x = (src[i] - na.cx) * na.scale, y = (src[i + 1] - na.cy) * na.scale;
    const u = (dst[i] - nb.cx) * nb.scale, v = (dst[i + 1] - nb.cy) * nb.scale;
    row[0] = 0; row[1] = 0; row[2] = 0; row[3] = -x; row[4] = -y; row[5] = -1; row[6] = v * x; row[7] = v * y; row[8] = v;
    accumulate(row);
    row[0] = x; row[1] = y; row[2] = 1; row[3] = 0; row[4] = 0; row[5] = 0; row[6] = -u * x; row[7] = -u * y; row[8] = -u;
    accumulate(row);
  }
  jacobiEigen(ata, eigvec);
  let best = 0;
  for (let i = 1; i < 9; i++) if (ata[i * 9 + i] < ata[best * 9 + best]) best = i;
  // Hn = column `best`; H = Tb^-1 Hn Ta.
  const h = (r: number, c: number) => eigvec[(r * 3 + c) * 9 + best];
  const sa = na.scale, sb = nb.scale;
  // Hn Ta: Ta = [sa 0 -sa cx; 0 sa -sa cy; 0 0 1]
  const m = hnTa;
  for (let r = 0; r < 3; r++) {
    m[r * 3] = h(r, 0) * sa;
    m[r * 3 + 1] = h(r, 1) * sa;
    m[r * 3 + 2] = -h(r, 0) * sa * na.cx - h(r, 1) * sa * na.cy + h(r, 2);
  }
  // Tb^-1 = [1/sb 0 cx; 0 1/sb cy; 0 0 1]
  for (let c = 0; c < 3; c++) {
    out[c] = m[c] / sb + nb.cx * m[6 + c];
    out[3 + c] = m[3 + c] / sb + nb.cy * m[6 + c];
    out[6 + c] = m[6 + c];
  }
  const norm = out[8] !== 0 ? out[8] : 1;
  for (let i = 0; i < 9; i++) out[i] /= norm;
  return true;
}

/** Root-mean-square transfer error |H src - dst| over the usable pairs, in dst units. */
export function homographyResidual(h: Float64Array, src: Float32Array | Float64Array, dst: Float32Array | Float64Array): number {
  let sum = 0, n = 0;
  for (let i = 0; i < src.length; i += 2) {
    const x = src[i], y = src[i + 1];
    if (!(x === x && y === y && dst[i] === dst[i] && dst[i + 1] === dst[i + 1])) continue;
    const w = h[6] * x + h[7] * y + h[8];
    const u = (h[0] * x + h[1] * y + h[2]) / w, v = (h[3] * x + h[4] * y + h[5]) / w;
    sum += (u - dst[i]) ** 2 + (v - dst[i + 1]) ** 2;
    n++;
  }
  return n ? Math.sqrt(sum / n) : Number.NaN;
}

/**
 * Residual of the best similarity transform (rotation, uniform scale, translation; closed form):
 * how much the shape changed beyond an in-plane move. Same units as the points.
 */
export function similarityResidual(src: Float32Array | Float64Array, dst: Float32Array | Float64Array): number {
  let n = 0, sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < src.length; i += 2) {
    if (!(src[i] === src[i] && src[i + 1] === src[i + 1] && dst[i] === dst[i] && dst[i + 1] === dst[i + 1])) continue;
    sx += src[i]; sy += src[i + 1]; dx += dst[i]; dy += dst[i + 1]; n++;
  }
  if (n < 2) return Number.NaN;
  sx /= n; sy /= n; dx /= n; dy /= n;
  let a = 0, b = 0, ss = 0;
  for (let i = 0; i < src.length; i += 2) {
    if (!(src[i] === src[i] && src[i + 1] === src[i + 1] && dst[i] === dst[i] && dst[i + 1] === dst[i + 1])) continue;
    const x = src[i] - sx, y = src[i + 1] - sy, u = dst[i] - dx, v = dst[i + 1] - dy;
    a += x * u + y * v; b += x * v - y * u; ss += x * x + y * y;
  }
  a /= ss; b /= ss;
  let sum = 0;
  for (let i = 0; i < src.length; i += 2) {
    if (!(src[i] === src[i] && src[i + 1] === src[i + 1] && dst[i] === dst[i] && dst[i + 1] === dst[i + 1])) continue;
    const x = src[i] - sx, y = src[i + 1] - sy;
    sum += (a * x - b * y - (dst[i] - dx)) ** 2 + (b * x + a * y - (dst[i + 1] - dy)) ** 2;
  }
  return Math.sqrt(sum / n);
}
