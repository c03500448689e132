// Face sets under ../shared/data: every directory whose manifest.json has kind `face-media`
// (discovered by manifest, never by a list of names), and the subject each item belongs to.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readFaceMediaManifest, type FaceMediaItem } from './pad-manifest.ts';

export const SHARED_DATA_DIR = resolve(import.meta.dirname, '../../../../shared/data');

/** Directories of `root` holding a face-media manifest, sorted by name. */
export async function discoverFaceSets(root = SHARED_DATA_DIR): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    if (await readFaceMediaManifest(dir).then(() => true, () => false)) found.push(dir);
  }
  return found;
}

/**
 * The person an item shows, for cross-validation folds: the manifest's `subject`, else the item
 * itself (an item without a subject is its own subject).
 */
export function subjectOf(item: FaceMediaItem): string {
  const s = (item as { subject?: unknown }).subject;
  return typeof s === 'string' && s.length > 0 ? s : `item:${item.id}`;
}
