/**
 * The MiniFASNet crop: the face box scaled about its centre, shifted to stay inside the image.
 * Mirrors Silent-Face-Anti-Spoofing `CropImage._get_new_box` so that scores match upstream.
 */

/** A rectangle in pixels. */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Inclusive pixel bounds, as upstream returns them (`img[top:bottom+1, left:right+1]`). */
export interface CropBounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Scale `face` by `scale` about its centre, clamp the scale so the crop fits the image, and shift
 * the crop back inside the image. Returns inclusive integer bounds.
 */
export function computeCropBounds(
  face: PixelBox,
  imageWidth: number,
  imageHeight: number,
  scale: number,
): CropBounds {
  if (!(face.w > 0 && face.h > 0)) throw new RangeError('face box must have a positive size');
  if (!(imageWidth > 1 && imageHeight > 1)) throw new RangeError('image must be at least 2x2');
  // Upstream shrinks the scale when the scaled box would not fit at all.
  const s = Math.min((imageHeight - 1) / face.h, (imageWidth - 1) / face.w, scale);
  const newW = face.w * s;
  const newH = face.h * s;
  const cx = face.x + face.w / 2;
  const cy = face.y + face.h / 2;
  let left = cx - newW / 2;
  let top = cy - newH / 2;
  let right = cx + newW / 2;
  let bottom = cy + newH / 2;
  if (left < 0) {
    right -= left;
    left = 0;
  }
  if (top < 0) {
    bottom -= top;
    top = 0;
  }
  if (right > imageWidth - 1) {
    left -= right - imageWidth + 1;
    right = imageWidth - 1;
  }
  if (bottom > imageHeight - 1) {
    top -= bottom - imageHeight + 1;
    bottom = imageHeight - 1;
  }
  // Python's int() truncates toward zero.
  return {
    left: Math.max(0, Math.trunc(left)),
    top: Math.max(0, Math.trunc(top)),
    right: Math.trunc(right),
    bottom: Math.trunc(bottom),
  };
}

/** The crop bounds as a normalised [x, y, w, h] box (PROTOCOL.md `ContextCrop.box`). */
export function normalisedCropBox(b: CropBounds, imageWidth: number, imageHeight: number): Float32Array {
  return Float32Array.of(
    b.left / imageWidth,
    b.top / imageHeight,
    (b.right - b.left + 1) / imageWidth,
    (b.bottom - b.top + 1) / imageHeight,
  );
}
