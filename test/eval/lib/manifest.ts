import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The rPPG dataset manifests of ../shared/data (see its README): read, never a hard-coded file list. */

const truthSchema = z.object({ heart_rate_bpm: z.number().optional() }).passthrough();

const framesNpyItem = z.object({
  id: z.string(),
  frames: z.string(),
  timestamps: z.string(),
  ppg: z.string().optional(),
  truth: truthSchema.optional(),
}).passthrough();

const skinCropItem = z.object({
  id: z.string(),
  file: z.string(),
  region: z.string().optional(),
  truth: truthSchema.optional(),
}).passthrough();

const manifestSchema = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('frames-npy'), items: z.array(framesNpyItem) }).passthrough(),
  z.object({ name: z.string(), kind: z.literal('skin-crop-video'), items: z.array(skinCropItem) }).passthrough(),
]);

export type RppgManifest = z.infer<typeof manifestSchema>;
export type FramesNpyItem = z.infer<typeof framesNpyItem>;
export type SkinCropItem = z.infer<typeof skinCropItem>;

export async function readRppgManifest(dir: string): Promise<RppgManifest> {
  const text = await readFile(join(dir, 'manifest.json'), 'utf8');
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`${dir}/manifest.json is not an rPPG manifest of kind frames-npy or skin-crop-video: ${parsed.error.message}`);
  }
  return parsed.data;
}

/**
 * The recording a skin-crop item belongs to: its id without the `_<region>` suffix
 * (video10_forehead -> video10). Items of one recording share the truth; the evaluation can fuse them.
 */
export function recordingOf(item: SkinCropItem): string {
  if (item.region && item.id.endsWith(`_${item.region}`)) return item.id.slice(0, -(item.region.length + 1));
  return item.id;
}
