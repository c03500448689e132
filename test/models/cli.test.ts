// `livegate models fetch|verify` as real child processes of bin/livegate.js.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/livegate.js', import.meta.url));
const MIRROR = '/work/shared/models';
const V2_FILE = '2.7_80x80_MiniFASNetV2.onnx';
const V2_SHA256 = 'f0616a1c7123d4978623910241b812943d2d5bba032eac26cc0416764517ef4a';

function livegate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: number }).code : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livegate-models-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('livegate models', () => {
  it('fetch copies from the mirror with plain progress lines off a TTY', async () => {
    const run = await livegate(['models', 'fetch', '--mirror', MIRROR, '--dir', dir, '--only', 'minifasnet_v2,face_landmarker']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${V2_FILE}: copying from mirror (1.7 MiB)`);
    expect(run.stdout).toContain(`${V2_FILE}: copied`);
    expect(run.stdout).toMatch(/models ready in .*: 2 copied/);
    expect(createHash('sha256').update(await readFile(join(dir, V2_FILE))).digest('hex')).toBe(V2_SHA256);
  });

  it('verify exits non-zero naming a modified file, and a missing required one', async () => {
    // BlazeFace was not fetched above: missing.
    const missing = await livegate(['models', 'verify', '--dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/face_detection_front_128x128_barracuda\.onnx\s+MISSING/);
    expect(missing.stdout).toMatch(new RegExp(`${V2_FILE.replace(/\./g, '\\.')}\\s+ok`));

    const bytes = await readFile(join(dir, V2_FILE));
    bytes[123] ^= 0x80;
    await writeFile(join(dir, V2_FILE), bytes);
    const run = await livegate(['models', 'verify', '--dir', dir, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.models.find((m: { file: string }) => m.file === V2_FILE)).toMatchObject({ present: true, size_ok: true, sha256_ok: false });
  });

  it('fetch without a mirror, offline, fails with models_unavailable and the hint', async () => {
    // A manifest whose upstream is a port nobody listens on: the offline case, reproducibly.
    const manifest = JSON.parse(await readFile(fileURLToPath(new URL('../../models/models.json', import.meta.url)), 'utf8'));
    const v2 = manifest.models.find((m: { file: string }) => m.file === V2_FILE);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const offline = join(dir, 'offline.json');
    await writeFile(offline, JSON.stringify({ version: 1, models: [{ ...v2, url: `http://127.0.0.1:${port}/${V2_FILE}` }] }));
    const run = await livegate(['models', 'fetch', '--dir', join(dir, 'empty'), '--manifest', offline]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: models_unavailable: required models unavailable/);
    expect(run.stderr).toContain('pass --mirror DIR or check your connection');
  });

  it('a broken manifest is a clear error', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ version: 1, models: [{ name: 'x' }] }));
    const run = await livegate(['models', 'verify', '--dir', dir, '--manifest', broken]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: manifest_invalid: model manifest .*broken\.json is invalid:\n  models\.0\.file: /);
  });
});
