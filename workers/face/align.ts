// 5-point face alignment for the identity embedding (MobileFaceNet, ArcFace preprocessing): a
// least-squares similarity transform (rotation, uniform scale, translation) maps the eye centres,
// nose tip and mouth corners onto the standard ArcFace 112x112 template, and the image is warped
// with bilinear sampling (pixels from outside the source stay black, as cv2.warpAffine does).
// Pure: the page (to choose crops) and the server (to re-derive the alignment itself) share it.
import type { FlatLandmarks } from './landmarks.ts';

/** ArcFace template, 112x112, in pixel-index coordinates: eyes, nose tip, mouth corners (image left first). */
export const ARCFACE_TEMPLATE_112: readonly (readonly [number, number])[] = Object.freeze([
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
] as const);
export const ALIGNED_SIZE = 112;

/** FaceLandmarker indices: iris centres (fallback: eye corner midpoints), nose tip, mouth corners. */
export const ALIGN_POINTS = { irisA: 468, irisB: 473, eyeA: [33, 133], eyeB: [362, 263], noseTip: 1, mouthA: 61, mouthB: 291 } as const;

export type Point = [number, number];

/** x' = a*x - b*y + tx, y' = b*x + a*y + ty. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Normalised region of the frame an image covers, [x, y, w, h] (a crop's box; [0, 0, 1, 1] for the frame). */
export type Region = ArrayLike<number>;

function point(lm: FlatLandmarks, i: number): Point | null {
  const x = lm[3 * i];
  const y = lm[3 * i + 1];
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

function eyeCentre(lm: FlatLandmarks, iris: number, corners: readonly [number, number]): Point | null {
  const c = point(lm, iris);
  if (c) return c;
  const p = point(lm, corners[0]);
  const q = point(lm, corners[1]);
  return p && q ? [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] : null;
}

/**
 * The five alignment points in the pixels of an image of `width` x `height` that covers `region`
 * of the frame the landmarks are normalised to; null when a point is unknown. Eyes and mouth
 * corners are ordered by x in that image, as the template is.
 */
export function fivePoints(lm: FlatLandmarks, width: number, height: number, region: Region = [0, 0, 1, 1]): Point[] | null {
  const eyeA = eyeCentre(lm, ALIGN_POINTS.irisA, ALIGN_POINTS.eyeA);
  const eyeB = eyeCentre(lm, ALIGN_POINTS.irisB, ALIGN_POINTS.eyeB);
  const nose = point(lm, ALIGN_POINTS.noseTip);
  const mouthA = point(lm, ALIGN_POINTS.mouthA);
  const mouthB = point(lm, ALIGN_POINTS.mouthB);
  if (!eyeA || !eyeB || !nose || !mouthA || !mouthB) return null;
  if (!(region[2] > 0) || !(region[3] > 0)) return null;
  // Normalised frame coordinates to pixel-index coordinates of the image (pixel centres at i + 0.5).
  const toPx = (p: Point): Point => [((p[0] - region[0]) / region[2]) * width - 0.5, ((p[1] - region[1]) / region[3]) * height - 0.5];
  const byX = (p: Point, q: Point): Point[] => (p[0] <= q[0] ? [p, q] : [q, p]);
  const [e1, e2] = byX(toPx(eyeA), toPx(eyeB));
  const [m1, m2] = byX(toPx(mouthA), toPx(mouthB));
  return [e1, e2, toPx(nose), m1, m2];
}

/** Least-squares similarity transform taking `src` onto `dst` (closed form; same point count, >= 2). */
export function estimateSimilarity(src: readonly (readonly number[])[], dst: readonly (readonly number[])[]): Similarity {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new RangeError('a similarity transform needs two or more point pairs');
  let mx = 0, my = 0, mu = 0, mv = 0;
  for (let i = 0; i < n; i++) {
    mx += src[i][0]; my += src[i][1]; mu += dst[i][0]; mv += dst[i][1];
  }
  mx /= n; my /= n; mu /= n; mv /= n;
  let den = 0, numA = 0, numB = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i][0] - mx, y = src[i][1] - my, u = dst[i][0] - mu, v = dst[i][1] - mv;
    den += x * x + y * y;
    numA += x * u + y * v;
    numB += x * v - y * u;
  }
  if (!(den > 0)) throw new RangeError('the source points coincide');
  const a = numA / den;
  const b = numB / den;
  return { a, b, tx: mu - (a * mx - b * my), ty: mv - (b * mx + a * my) };
}

export function applySimilarity(m: Similarity, p: readonly number[]): Point {
  return [m.a * p[0] - m.b * p[1] + m.tx, m.b * p[0] + m.a * p[1] + m.ty];
}

/** Root-mean-square distance of the transformed `src` from `dst`, in `dst` pixels (a check of the fit). */
export function alignmentResidual(m: Similarity, src: readonly (readonly number[])[], dst: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0; i < src.length; i++) {
    const [x, y] = applySimilarity(m, src[i]);
    sum += (x - dst[i][0]) ** 2 + (y - dst[i][1]) ** 2;
  }
  return Math.sqrt(sum / src.length);
}

/** Scale of the transform (template pixels per source pixel). */
export function similarityScale(m: Similarity): number {
  return Math.hypot(m.a, m.b);
}

/**
 * Warps an RGBA (or RGB, `channels` 3) image through `m` into a size x size RGB image
 * (interleaved, 0..255): each output pixel samples the source bilinearly at the inverse transform.
 */
export function warpSimilarity(src: ArrayLike<number>, width: number, height: number, m: Similarity, size = ALIGNED_SIZE, channels = 4): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * size * 3);
  const det = m.a * m.a + m.b * m.b;
  if (!(det > 0)) return out;
  // Inverse: [x, y] = 1/det * [[a, b], [-b, a]] * ([X, Y] - t)
  const ia = m.a / det, ib = m.b / det;
  for (let Y = 0; Y < size; Y++) {
    for (let X = 0; X < size; X++) {
      const dx = X - m.tx, dy = Y - m.ty;
      const x = ia * dx + ib * dy;
      const y = -ib * dx + ia * dy;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const fx = x - x0, fy = y - y0;
      const o = 3 * (Y * size + X);
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < 4; k++) {
          const xi = x0 + (k & 1), yi = y0 + (k >> 1);
          if (xi < 0 || yi < 0 || xi >= width || yi >= height) continue;
          const w = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
          v += w * src[(yi * width + xi) * channels + c];
        }
        out[o + c] = v;
      }
    }
  }
  return out;
}

/** Aligns the face of an image to the 112x112 template; null when a point is missing. */
export function alignFace(
  image: { data: ArrayLike<number>; width: number; height: number; channels?: number },
  lm: FlatLandmarks,
  region: Region = [0, 0, 1, 1],
): { rgb: Uint8ClampedArray; transform: Similarity; residual: number; points: Point[] } | null {
  const points = fivePoints(lm, image.width, image.height, region);
  if (!points) return null;
  const transform = estimateSimilarity(points, ARCFACE_TEMPLATE_112);
  return {
    rgb: warpSimilarity(image.data, image.width, image.height, transform, ALIGNED_SIZE, image.channels ?? 4),
    transform,
    residual: alignmentResidual(transform, points, ARCFACE_TEMPLATE_112),
    points,
  };
}
