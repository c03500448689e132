// face-media manifests (../shared/data/faces/README): read and validated, never a hard-coded list.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const item = z.object({
  id: z.string(),
  file: z.string(),
  label: z.enum(['bona_fide', 'attack']),
  attack_type: z.string().optional(),
  media: z.enum(['video', 'still']),
  fps: z.number().optional(),
  duration_s: z.number().optional(),
  description: z.string().optional(),
}).passthrough();

const manifest = z.object({ name: z.string(), kind: z.literal('face-media'), items: z.array(item) }).passthrough();

export type FaceMediaItem = z.infer<typeof item>;
export type FaceMediaManifest = z.infer<typeof manifest>;

export async function readFaceMediaManifest(dir: string): Promise<FaceMediaManifest> {
  const parsed = manifest.safeParse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
  if (!parsed.success) throw new Error(`${dir}/manifest.json is not a face-media manifest: ${parsed.error.message}`);
  return parsed.data;
}

/** Attack type given to a bona fide still when it is counted as what the camera sees: a photo. */
export const STILL_OF_REAL_FACE = 'photo_of_real_face';

export interface Presentation {
  label: 'bona_fide' | 'attack';
  attack_type: string | null;
}

/**
 * How an item counts. A still of a real face held to a camera is a print-style attack whatever its
 * manifest label says (the label describes the image, not the presentation); `asLabelled` keeps
 * the manifest's label instead.
 */
export function presentationOf(i: FaceMediaItem, asLabelled = false): Presentation {
  if (i.label === 'attack') return { label: 'attack', attack_type: i.attack_type ?? 'unspecified' };
  if (i.media === 'still' && !asLabelled) return { label: 'attack', attack_type: STILL_OF_REAL_FACE };
  return { label: 'bona_fide', attack_type: null };
}
