// Perturbations a real camera produces, applied to a face-media item before it becomes the fake
// camera's y4m (pad-media.ts): framing (letterbox, pillarbox, a nearer and a farther face, a
// portrait webcam), exposure (-40 % brightness), frame rates (15, 24, 25 and 30.11 fps, the last
// a conversion that repeats a frame now and then) and recompression (H.264 at a low bitrate).
import type { CameraMediaOptions } from './pad-media.ts';

export interface Perturbation {
  name: string;
  description: string;
  options: CameraMediaOptions;
}

export const PERTURBATIONS: readonly Perturbation[] = [
  { name: 'letterbox', description: 'black bars above and below (a 16:9 picture in a 4:3 frame)', options: { post: 'crop=640:360,pad=640:480:0:60:black' } },
  { name: 'pillarbox', description: 'black bars left and right (a square picture in a 4:3 frame)', options: { post: 'crop=480:480,pad=640:480:80:0:black' } },
  { name: 'near', description: 'face nearer: the centre 75 % of the frame, scaled up', options: { post: 'crop=iw*0.75:ih*0.75,scale=640:480' } },
  { name: 'far', description: 'face farther: the frame at 80 % in a grey surround', options: { post: 'scale=512:384,pad=640:480:64:48:0x808080' } },
  { name: 'dim', description: 'brightness -40 %', options: { post: 'lutrgb=r=val*0.6:g=val*0.6:b=val*0.6' } },
  { name: 'fps15', description: '15 fps', options: { fps: 15 } },
  { name: 'fps24', description: '24 fps', options: { fps: 24 } },
  { name: 'fps25', description: '25 fps', options: { fps: 25 } },
  { name: 'fps30.11', description: '30.11 fps (a frame repeated now and then by the conversion)', options: { fps: 30.11 } },
  { name: 'h264', description: 'recompressed: H.264 at CRF 38 in between', options: { recompress: 38 } },
  { name: 'portrait', description: 'a portrait webcam frame (480 x 640)', options: { frame: { width: 480, height: 640 } } },
];

export function perturbationsNamed(names: string | undefined): Perturbation[] {
  if (!names) return [...PERTURBATIONS];
  const wanted = names.split(',');
  const unknown = wanted.filter((n) => !PERTURBATIONS.some((p) => p.name === n));
  if (unknown.length) throw new Error(`unknown perturbation(s) ${unknown.join(', ')}; known: ${PERTURBATIONS.map((p) => p.name).join(', ')}`);
  return PERTURBATIONS.filter((p) => wanted.includes(p.name));
}
