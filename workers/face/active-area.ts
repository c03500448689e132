// The part of a frame that shows the scene: a camera app, a video call or a frame-rate converter
// may letterbox (bars above and below) or pillarbox (bars at the sides) the picture. The bars are
// a camera artefact, not part of the scene, and the anti-spoofing CNN must not see them: in its
// 4.0x context a flat band beside the face reads as a screen bezel. Bars are flat (black, grey or
// any colour an app pads with); a scene, even a dark one or a plain wall, has texture and noise. Crops for the CNN are
// placed inside the active area instead (upstream's crop is "shifted to stay inside the image",
// and the active area is the image the camera saw).
import { computeCropBounds, type CropBounds, type PixelBox } from '../cnn/crop-box.ts';

/** A bar row or column is this flat (luma max - min over the line): a bar has no texture beyond noise. */
export const BAR_MAX_SPREAD = 6;
/** Bars thinner than this share of the side are not reported (a dark edge of a scene). */
export const BAR_MIN_SHARE = 0.02;
/** Nothing past this share of the side counts as a bar (a dark frame is not all bars). */
export const BAR_MAX_SHARE = 0.35;
/** Pixels sampled along each row or column. */
const SAMPLES = 64;

const luma = (d: ArrayLike<number>, i: number) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];

/** True when the line of `count` pixels from `start`, `step` apart (RGBA indices), is a flat bar. */
function isBar(d: ArrayLike<number>, start: number, step: number, count: number): boolean {
  let lo = 255;
  let hi = 0;
  const stride = Math.max(1, Math.floor(count / SAMPLES));
  for (let k = 0; k < count; k += stride) {
    const v = luma(d, start + k * step);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (hi - lo > BAR_MAX_SPREAD) return false;
  }
  return true;
}

/** Bar thickness from one edge: lines are scanned inwards while they are bars. */
function barFrom(lines: number, bar: (line: number) => boolean): number {
  const limit = Math.floor(lines * BAR_MAX_SHARE);
  let n = 0;
  while (n < limit && bar(n)) n++;
  return n >= Math.max(2, Math.ceil(lines * BAR_MIN_SHARE)) ? n : 0;
}

/**
 * The active area of an RGBA frame (`w` x `h`): the frame less any flat dark bars along its edges.
 * The whole frame when there are none.
 */
export function detectActiveArea(rgba: ArrayLike<number>, w: number, h: number): PixelBox {
  const row = (y: number) => isBar(rgba, 4 * y * w, 4, w);
  const col = (x: number) => isBar(rgba, 4 * x, 4 * w, h);
  const top = barFrom(h, (n) => row(n));
  const bottom = barFrom(h, (n) => row(h - 1 - n));
  const left = barFrom(w, (n) => col(n));
  const right = barFrom(w, (n) => col(w - 1 - n));
  return { x: left, y: top, w: w - left - right, h: h - top - bottom };
}

/**
 * The MiniFASNet crop bounds (computeCropBounds) placed inside `area` instead of the whole frame:
 * the crop upstream would cut had the camera delivered the active area alone. Frame pixels.
 */
export function cropBoundsWithin(face: PixelBox, area: PixelBox, scale: number): CropBounds {
  const b = computeCropBounds({ x: face.x - area.x, y: face.y - area.y, w: face.w, h: face.h }, area.w, area.h, scale);
  return { left: b.left + area.x, top: b.top + area.y, right: b.right + area.x, bottom: b.bottom + area.y };
}
