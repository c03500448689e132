/**
 * The browser objects the capture stages draw on, handed in by the worker entry so that the
 * stages themselves use no DOM globals (and tests can pass fakes).
 */

export interface Surfaces {
  canvas(width: number, height: number): OffscreenCanvas;
  imageData(rgba: Uint8ClampedArray, width: number, height: number): ImageData;
}

/** A part of the frame as RGB: `canvas` holds frame pixels [x, x+w) x [y, y+h). */
export interface PixelWindow {
  x: number;
  y: number;
  w: number;
  h: number;
  canvas: OffscreenCanvas;
  /** RGBA of the window when it was built in JS (the YUV path); null for the canvas path. */
  rgba: Uint8ClampedArray | null;
}

/** A canvas of the given size, reusing `current` when it already has that size. */
export function sizedCanvas(surfaces: Surfaces, current: OffscreenCanvas | null, width: number, height: number): OffscreenCanvas {
  return current && current.width === width && current.height === height ? current : surfaces.canvas(width, height);
}

export async function encodeJpeg(canvas: OffscreenCanvas, quality: number): Promise<Uint8Array> {
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Uint8Array(await blob.arrayBuffer());
}
