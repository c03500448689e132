// Canvases for the capture stages in Node: what cannot run here (OffscreenCanvas). They record
// the draws, hand back RGBA of one flat colour, and "encode" a JPEG as a marker (SOI, APP0, width, quality, EOI) with the canvas
// size, so tests can follow which canvas a crop came from.
import type { Surfaces } from '../../../workers/capture/surfaces.ts';

export interface Draw {
  canvas: FakeCanvas;
  args: number[];
}

export interface FakeCanvas {
  width: number;
  height: number;
  draws: Draw[];
  fills: number;
  /** RGBA returned by getImageData: every pixel this colour. */
  colour: [number, number, number];
  getContext(kind: '2d', opts?: unknown): any;
  convertToBlob(opts: { type: string; quality: number }): Promise<Blob>;
}

export const JPEG_SOI = [0xff, 0xd8];

export function fakeSurfaces(colour: [number, number, number] = [120, 90, 60]): Surfaces & { made: FakeCanvas[] } {
  const made: FakeCanvas[] = [];
  const canvas = (width: number, height: number): FakeCanvas => {
    const c: FakeCanvas = {
      width,
      height,
      draws: [],
      fills: 0,
      colour,
      getContext() {
        return {
          canvas: c,
          fillStyle: '',
          fillRect: () => {
            c.fills++;
          },
          drawImage: (_src: unknown, ...args: number[]) => c.draws.push({ canvas: c, args }),
          putImageData: () => {},
          getImageData: (_x: number, _y: number, w: number, h: number) => {
            const data = new Uint8ClampedArray(w * h * 4);
            for (let i = 0; i < data.length; i += 4) data.set([...c.colour, 255], i);
            return { data, width: w, height: h };
          },
        };
      },
      async convertToBlob(opts) {
        return new Blob([Uint8Array.of(...JPEG_SOI, 0xff, 0xe0, c.width & 0xff, Math.round(opts.quality * 100), 0xff, 0xd9)]);
      },
    };
    made.push(c);
    return c;
  };
  return {
    made,
    canvas: canvas as unknown as Surfaces['canvas'],
    imageData: (rgba, width, height) => ({ data: rgba, width, height }) as unknown as ImageData,
  };
}
