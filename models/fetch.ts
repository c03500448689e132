// Brings the manifest's model files into a directory: mirror first, then the upstream URL,
// every byte sha256-verified before an atomic rename puts it in place.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { DEFAULT_MODELS_DIR, loadManifest, type ModelEntry, type ModelManifest } from './manifest.ts';

export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000;
const TEMP_DIR = '.cache';
const STALE_PART_MS = 3_600_000;
export const OFFLINE_HINT = 'pass --mirror DIR or check your connection';

/** Why one model could not be put in place. */
export type ModelFailureCode =
  | 'network_unreachable' // DNS, refused, reset, timeout
  | 'http_error' // the server answered, but not 200
  | 'checksum_mismatch' // downloaded bytes are not the pinned file
  | 'archive_entry_missing' // the archive has no such path
  | 'no_source'; // no URL and not in the mirror

export type ModelsErrorCode = 'models_unavailable';

export class ModelsError extends Error {
  readonly code: ModelsErrorCode;
  readonly results: ModelFetchResult[];
  constructor(code: ModelsErrorCode, message: string, results: ModelFetchResult[]) {
    super(message);
    this.name = 'ModelsError';
    this.code = code;
    this.results = results;
  }
}

class ModelFailure extends Error {
  readonly code: ModelFailureCode;
  constructor(code: ModelFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export interface ModelFetchResult {
  name: string;
  file: string;
  optional: boolean;
  path: string;
  status: 'present' | 'copied' | 'downloaded' | 'failed';
  error?: { code: ModelFailureCode; message: string };
  warnings: string[];
}

export type FetchProgressEvent =
  | { type: 'start'; model: string; file: string; source: 'mirror' | 'download'; total: number }
  | { type: 'progress'; model: string; bytes: number; total: number }
  | { type: 'done'; model: string; file: string; status: ModelFetchResult['status'] }
  | { type: 'warning'; model: string; message: string };

export interface FetchModelsOptions {
  /** Target directory (created if missing). Default: the repository's models/ folder. */
  dir?: string;
  /** A directory holding model files by their manifest file name (e.g. ../shared/models). */
  mirror?: string;
  manifest?: ModelManifest;
  /** Only these model names. */
  only?: string[];
  onProgress?: (event: FetchProgressEvent) => void;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Fetches every model in the manifest. Resolves with one result per model; rejects with
 * ModelsError('models_unavailable') when a required model could not be put in place
 * (optional ones only add a warning).
 */
export async function fetchModels(options: FetchModelsOptions = {}): Promise<ModelFetchResult[]> {
  const dir = resolve(options.dir ?? DEFAULT_MODELS_DIR);
  const manifest = options.manifest ?? (await loadManifest());
  const emit = options.onProgress ?? (() => {});
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const models = options.only ? manifest.models.filter((m) => options.only!.includes(m.name)) : manifest.models;
  await mkdir(join(dir, TEMP_DIR), { recursive: true });
  await removeStalePartFiles(join(dir, TEMP_DIR));

  const results: ModelFetchResult[] = [];
  for (const model of models) {
    const target = join(dir, model.file);
    const result: ModelFetchResult = { name: model.name, file: model.file, optional: model.optional, path: target, status: 'failed', warnings: [] };
    const warn = (message: string) => {
      result.warnings.push(message);
      emit({ type: 'warning', model: model.name, message });
    };
    try {
      result.status = await obtain(model, target, { mirror: options.mirror, emit, warn, doFetch, timeoutMs });
    } catch (err) {
      const failure = err instanceof ModelFailure ? err : new ModelFailure('network_unreachable', (err as Error).message, { cause: err });
      result.error = { code: failure.code, message: failure.message };
      if (model.optional) warn(`optional model ${model.file} unavailable: ${failure.message}`);
    }
    emit({ type: 'done', model: model.name, file: model.file, status: result.status });
    results.push(result);
  }

  const missing = results.filter((r) => r.status === 'failed' && !r.optional);
  if (missing.length > 0) {
    const lines = missing.map((r) => `  ${r.file}: ${r.error?.message ?? 'unavailable'}`).join('\n');
    const offline = missing.some((r) => r.error?.code === 'network_unreachable' || r.error?.code === 'no_source');
    const hint = offline ? `\n${options.mirror ? 'check the mirror directory or your connection' : OFFLINE_HINT}` : '';
    throw new ModelsError('models_unavailable', `required models unavailable:\n${lines}${hint}`, results);
  }
  return results;
}

interface ObtainContext {
  mirror: string | undefined;
  emit: (event: FetchProgressEvent) => void;
  warn: (message: string) => void;
  doFetch: typeof fetch;
  timeoutMs: number;
}

async function obtain(model: ModelEntry, target: string, ctx: ObtainContext): Promise<ModelFetchResult['status']> {
  const existing = await sizeOf(target);
  if (existing !== null) {
    if (existing === model.size && (await sha256File(target)) === model.sha256) return 'present';
    ctx.warn(`${model.file} in place has the wrong ${existing === model.size ? 'sha256' : 'size'}; replacing it`);
  }

  if (ctx.mirror) {
    const source = join(resolve(ctx.mirror), model.file);
    const size = await sizeOf(source);
    if (size !== null) {
      ctx.emit({ type: 'start', model: model.name, file: model.file, source: 'mirror', total: size });
      const tmp = tempPath(target);
      const digest = await writeHashed(createReadStream(source), tmp, (bytes) => ctx.emit({ type: 'progress', model: model.name, bytes, total: size }));
      if (digest === model.sha256) {
        await rename(tmp, target);
        return 'copied';
      }
      await unlink(tmp).catch(() => {});
      ctx.warn(`mirror file ${source} has sha256 ${digest}, expected ${model.sha256}; ignoring it`);
    }
  }

  if (!model.url) throw new ModelFailure('no_source', ctx.mirror ? `not in the mirror ${ctx.mirror} and no upstream URL` : 'no upstream URL; only a mirror has it');
  return download(model, model.url, target, ctx);
}

async function download(model: ModelEntry, url: string, target: string, ctx: ObtainContext): Promise<'downloaded'> {
  let response: Response;
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  try {
    response = await ctx.doFetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    throw new ModelFailure('network_unreachable', `cannot reach ${url} (${describeNetworkError(err)})`, { cause: err });
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new ModelFailure('http_error', `${url} answered HTTP ${response.status}`);
  }
  const total = Number(response.headers.get('content-length')) || (model.archive ? 0 : model.size);
  ctx.emit({ type: 'start', model: model.name, file: model.file, source: 'download', total });
  const onBytes = (bytes: number) => ctx.emit({ type: 'progress', model: model.name, bytes, total });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  const tmp = tempPath(target);
  let digest: string;
  try {
    digest = model.archive ? await extractHashed(body, model.archive.path, tmp, onBytes) : await writeHashed(body, tmp, onBytes);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    if (err instanceof ModelFailure) throw err;
    throw new ModelFailure('network_unreachable', `download of ${url} broke off (${describeNetworkError(err)})`, { cause: err });
  }
  if (digest !== model.sha256) {
    await unlink(tmp).catch(() => {});
    throw new ModelFailure('checksum_mismatch', `${url} gave sha256 ${digest}, expected ${model.sha256}`);
  }
  await rename(tmp, target);
  return 'downloaded';
}

/** Streams `source` into `tmp`, returning the hex sha256 of what was written. */
async function writeHashed(source: Readable, tmp: string, onBytes: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(bytes);
      done(null, chunk);
    },
  });
  await pipeline(source, tap, createWriteStream(tmp, { flags: 'wx' }));
  return hash.digest('hex');
}

/** Streams a .tgz, writes the one entry at `entryPath` to `tmp`, returns its sha256. */
async function extractHashed(archive: Readable, entryPath: string, tmp: string, onBytes: (bytes: number) => void): Promise<string> {
  let found: Promise<string> | null = null;
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      if (entry.path === entryPath && entry.type === 'File' && !found) {
        found = writeHashed(entry as unknown as Readable, tmp, () => {});
        // Awaited below; this only keeps a failure during a broken archive from going unhandled.
        found.catch(() => {});
      } else {
        entry.resume();
      }
    },
  });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      onBytes(bytes);
      done(null, chunk);
    },
  });
  await pipeline(archive, counter, parser as unknown as NodeJS.WritableStream);
  if (!found) throw new ModelFailure('archive_entry_missing', `the archive has no file ${entryPath}`);
  return found;
}

export interface ModelCheck {
  name: string;
  file: string;
  optional: boolean;
  path: string;
  present: boolean;
  size_ok: boolean;
}

export interface ModelVerification extends ModelCheck {
  sha256_ok: boolean;
  sha256: string | null;
}

/** Cheap readiness check (stat only): for listings and health output. */
export async function modelStatus(dir: string = DEFAULT_MODELS_DIR, manifest?: ModelManifest): Promise<ModelCheck[]> {
  const m = manifest ?? (await loadManifest());
  return Promise.all(
    m.models.map(async (model) => {
      const path = join(resolve(dir), model.file);
      const size = await sizeOf(path);
      return { name: model.name, file: model.file, optional: model.optional, path, present: size !== null, size_ok: size === model.size };
    }),
  );
}

/** Full check: hashes every present file against the manifest. */
export async function verifyModels(dir: string = DEFAULT_MODELS_DIR, manifest?: ModelManifest): Promise<ModelVerification[]> {
  const m = manifest ?? (await loadManifest());
  const checks = await modelStatus(dir, m);
  return Promise.all(
    checks.map(async (check, i) => {
      const sha256 = check.present ? await sha256File(check.path) : null;
      return { ...check, sha256, sha256_ok: sha256 === m.models[i].sha256 };
    }),
  );
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Partial files left by an interrupted run (older than an hour: no live download owns them). */
async function removeStalePartFiles(tempDir: string): Promise<void> {
  const cutoff = Date.now() - STALE_PART_MS;
  for (const name of await readdir(tempDir).catch(() => [] as string[])) {
    if (!name.endsWith('.part')) continue;
    const path = join(tempDir, name);
    const info = await stat(path).catch(() => null);
    if (info && info.mtimeMs < cutoff) await unlink(path).catch(() => {});
  }
}

// Partial files live in <dir>/.cache (git-ignored for the repo's models/), on the same
// filesystem as the target so the final rename is atomic.
function tempPath(target: string): string {
  return join(dirname(target), TEMP_DIR, `${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
