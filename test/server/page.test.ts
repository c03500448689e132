// The verification page and everything it loads come from this server, with a strict CSP.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_DIST } from '../../server/capture/page.ts';
import { ensureCaptureBuilt } from '../helpers/livegate-server.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('page serving', () => {
  let t: TestApp;
  beforeAll(async () => {
    await ensureCaptureBuilt();
    t = await createTestApp({ modelsDir: path.resolve('../shared/models') }, { analyzer: false });
  });
  afterAll(async () => t.close());

  it('serves the page at /s/{id} with a strict CSP and no referrer', async () => {
    const res = await t.app.inject({ url: '/s/00000000-0000-4000-8000-000000000000' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/); // no third-party origin anywhere
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves its scripts (worker scripts carry the CSP too), the WASM runtimes and the models itself', async () => {
    const script = readdirSync(path.join(CAPTURE_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const asset = await t.app.inject({ url: `/assets/${script}` });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-security-policy']).toContain("connect-src 'self'");
    const ort = await t.app.inject({ method: 'HEAD', url: '/vendor/ort/ort-wasm-simd-threaded.wasm' });
    expect(ort.statusCode).toBe(200);
    const mediapipe = await t.app.inject({ method: 'HEAD', url: '/vendor/mediapipe/wasm/vision_wasm_internal.wasm' });
    expect(mediapipe.statusCode).toBe(200);
    const model = await t.app.inject({ method: 'HEAD', url: '/models/2.7_80x80_MiniFASNetV2.onnx' });
    expect(model.statusCode).toBe(200);
    const escape = await t.app.inject({ url: '/models/../package.json' });
    expect(escape.statusCode).toBe(404);
  });

  it('keeps /lab off unless enabled', async () => {
    expect((await t.app.inject({ url: '/lab' })).statusCode).toBe(404);
  });
});
