// Builds the verification page and the /lab dev page into dist/capture/ (served by the server:
// the page at /s/:id, assets under /assets/). Runtime WASM and models are not bundled: the
// server self-hosts them under /vendor/ and /models/.
import { resolve } from 'node:path';
import { defaultClientConditions, defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  // onnxruntime-web's external-wasm build: it loads its .mjs/.wasm from env.wasm.wasmPaths
  // (/vendor/ort/) instead of Vite copying 40 MB of WASM into assets.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  logLevel: 'warn',
  build: {
    outDir: resolve(here, '../dist/capture'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inlined data: assets; everything is a same-origin file under the CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        main: resolve(here, 'index.html'),
        lab: resolve(here, 'lab.html'),
      },
    },
  },
  worker: { format: 'es' },
  server: { fs: { allow: [resolve(here, '..')] } },
});
