// RGBA -> 8-bit luma (BT.601 integer weights), into a caller buffer.

export function rgbaToGray(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  out: Uint8Array = new Uint8Array(width * height),
): Uint8Array {
  const n = width * height;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    out[i] = (77 * rgba[o] + 150 * rgba[o + 1] + 29 * rgba[o + 2]) >> 8;
  }
  return out;
}
