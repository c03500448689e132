// A difference hash of a face crop: 64 bits, one per horizontally neighbouring pair of cells of a
// 9 x 8 luma grid (is the left cell brighter?). Re-encoding, a uniform tint or a brightness change
// keep it; a new camera frame of a live scene (sensor noise on the weak gradients) does not repeat
// it across sessions. It lets the replay fingerprint recognise crops whose bytes were changed.
// Pure: the analysis worker computes it on the crops it decodes anyway.

const COLS = 9;
const ROWS = 8;

export function differenceHash(rgba: Uint8Array, width: number, height: number): string {
  const cells = new Float64Array(COLS * ROWS);
  const counts = new Uint32Array(COLS * ROWS);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(ROWS - 1, Math.floor((y * ROWS) / height));
    for (let x = 0; x < width; x++) {
      const cx = Math.min(COLS - 1, Math.floor((x * COLS) / width));
      const o = 4 * (y * width + x);
      cells[cy * COLS + cx] += 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];
      counts[cy * COLS + cx]++;
    }
  }
  let hex = '';
  for (let r = 0; r < ROWS; r++) {
    let byte = 0;
    for (let c = 0; c < COLS - 1; c++) {
      const left = cells[r * COLS + c] / counts[r * COLS + c];
      const right = cells[r * COLS + c + 1] / counts[r * COLS + c + 1];
      byte = (byte << 1) | (left > right ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}
