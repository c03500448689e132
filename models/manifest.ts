// The model manifest (models/models.json): which files Livegate needs, where they come from,
// their checksums and how to feed them. Validated on load so a typo fails loudly, not at inference.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository's models/ folder: the manifest sits here and model files are fetched into it. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL('./models.json', import.meta.url));

const dimension = z.union([z.number().int().positive(), z.string().min(1)]);

const tensorSpec = z.object({
  name: z.string().min(1),
  dtype: z.enum(['float32', 'float16', 'uint8', 'int32', 'int64']),
  shape: z.array(dimension).min(1),
  layout: z.string().optional(),
  range: z.tuple([z.number(), z.number()]).optional(),
  channel_order: z.string().optional(),
  description: z.string().optional(),
});

// A file name, never a path: the manifest must not be able to write outside the models dir.
const fileName = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9._-]+$/, 'a plain file name (letters, digits, . _ -)')
  .refine((f) => f !== '.' && f !== '..', 'a plain file name');

const modelEntry = z.object({
  name: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _'),
  file: fileName,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  size: z.number().int().positive(),
  /** Upstream location; null when the file exists only in mirrors. */
  url: z.url({ protocol: /^https?$/ }).nullable(),
  /** Set when `url` is an archive holding the model rather than the model itself. */
  archive: z
    .object({
      format: z.literal('tgz'),
      path: z.string().min(1),
      package: z.string().optional(),
    })
    .optional(),
  license: z.string().min(1),
  optional: z.boolean(),
  runtime: z.string().optional(),
  used_by: z.array(z.string()).optional(),
  description: z.string().optional(),
  provenance: z.string().optional(),
  crop_scale: z.number().positive().optional(),
  inputs: z.array(tensorSpec).min(1),
  outputs: z.array(tensorSpec).min(1),
});

export const modelManifestSchema = z
  .object({
    version: z.literal(1),
    models: z.array(modelEntry).min(1),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.models.forEach((model, i) => {
      for (const key of [`name:${model.name}`, `file:${model.file}`]) {
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['models', i], message: `duplicate ${key.replace(':', ' ')}` });
        seen.add(key);
      }
      if (model.archive && !model.url) ctx.addIssue({ code: 'custom', path: ['models', i, 'archive'], message: 'an archive source needs a url' });
    });
  });

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelEntry = ModelManifest['models'][number];
export type TensorSpec = z.infer<typeof tensorSpec>;

export class ManifestError extends Error {
  readonly code = 'manifest_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ManifestError';
  }
}

/** Validates a parsed manifest; the error lists every problem with its JSON path. */
export function parseManifest(data: unknown, source = 'model manifest'): ModelManifest {
  const result = modelManifestSchema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
  throw new ManifestError(`${source} is invalid:\n${problems}`, { cause: result.error });
}

export async function loadManifest(path: string = DEFAULT_MANIFEST_PATH): Promise<ModelManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ManifestError(`cannot read model manifest ${path}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`model manifest ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseManifest(data, `model manifest ${path}`);
}
