/**
 * MiniFASNet input: crop, bilinear resize to 80x80, BGR channel order, raw 0..255, NCHW.
 * No normalisation: the upstream models were trained on raw pixel values.
 */
import type { CropBounds } from './crop-box.ts';

export const MINIFASNET_INPUT_SIZE = 80;

/**
 * Resize the crop `bounds` of an RGBA (or RGB with `channels` = 3) image to `size` x `size`
 * with OpenCV's INTER_LINEAR convention (half-pixel centres, edge clamp) and write it as
 * planar B, G, R floats into `out` (length 3 * size * size), which is returned.
 */
export function cropToBgrTensor(
  pixels: Uint8Array | Uint8ClampedArray,
  imageWidth: number,
  imageHeight: number,
  bounds: CropBounds,
  size: number = MINIFASNET_INPUT_SIZE,
  channels: 3 | 4 = 4,
  out: Float32Array = new Float32Array(3 * size * size),
): Float32Array {
  if (pixels.length < imageWidth * imageHeight * channels) throw new RangeError('pixel buffer too small');
  if (out.length < 3 * size * size) throw new RangeError('output buffer too small');
  const cropW = bounds.right - bounds.left + 1;
  const cropH = bounds.bottom - bounds.top + 1;
  if (cropW < 1 || cropH < 1) throw new RangeError('empty crop');
  const plane = size * size;
  const sx = cropW / size;
  const sy = cropH / size;
  for (let oy = 0; oy < size; oy++) {
    let fy = (oy + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    let y0 = Math.floor(fy);
    if (y0 > cropH - 1) y0 = cropH - 1;
    const y1 = Math.min(y0 + 1, cropH - 1);
    const wy = Math.min(fy - y0, 1);
    const row0 = (bounds.top + y0) * imageWidth;
    const row1 = (bounds.top + y1) * imageWidth;
    for (let ox = 0; ox < size; ox++) {
      let fx = (ox + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      let x0 = Math.floor(fx);
      if (x0 > cropW - 1) x0 = cropW - 1;
      const x1 = Math.min(x0 + 1, cropW - 1);
      const wx = Math.min(fx - x0, 1);
      const i00 = (row0 + bounds.left + x0) * channels;
      const i01 = (row0 + bounds.left + x1) * channels;
      const i10 = (row1 + bounds.left + x0) * channels;
      const i11 = (row1 + bounds.left + x1) * channels;
      const o = oy * size + ox;
      for (let c = 0; c < 3; c++) {
        const top = pixels[i00 + c] * (1 - wx) + pixels[i01 + c] * wx;
        const bottom = pixels[i10 + c] * (1 - wx) + pixels[i11 + c] * wx;
        // RGB source channel c goes to BGR plane 2 - c.
        out[(2 - c) * plane + o] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}
