import { readFile } from 'node:fs/promises';

/** A minimal reader for NumPy .npy files (format 1.x/2.x/3.x, C order, numeric dtypes). */

export type NpyData = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('npy: not a .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major >= 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`npy: unreadable header ${header}`);
  if (fortran === 'True') throw new Error('npy: Fortran order is not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  const endian = descr[0];
  const kind = descr.slice(1);
  if (endian === '>' && kind !== 'u1' && kind !== 'i1') throw new Error('npy: big-endian data is not supported');
  const body = bytes.slice(offset); // copy: aligned buffer for typed-array views
  const ctor = {
    u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array,
    u4: Uint32Array, i4: Int32Array, f4: Float32Array, f8: Float64Array,
  }[kind];
  if (!ctor) throw new Error(`npy: dtype ${descr} is not supported`);
  const data = new ctor(body.buffer, 0, count);
  return { dtype: descr, shape, data };
}

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(new Uint8Array(await readFile(path)));
}
