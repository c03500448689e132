// package.json `exports`: every entry points at a file that exists, and the main entry is the
// public API (buildApp, openStore, loadConfig, verifyAttestation) a program embeds Livegate with.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string> };

describe('package exports', () => {
  it('every export target exists', () => {
    for (const [entry, target] of Object.entries(pkg.exports)) expect(existsSync(join(root, target)), `${entry} -> ${target}`).toBe(true);
  });

  it('the main entry builds a working app from a config and a store', async () => {
    const api = (await import(join(root, pkg.exports['.']!))) as typeof import('../../server/index.ts');
    for (const name of ['buildApp', 'openApp', 'openStore', 'loadConfig', 'verifyAttestation', 'createAttestationVerifier'] as const) {
      expect(typeof api[name], name).toBe('function');
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'livegate-exports-'));
    try {
      const config = api.loadConfig({ dataDir, logLevel: 'silent' }, {});
      const app = await api.openApp(config, { notice: () => undefined, analyzer: false });
      try {
        const health = await app.inject({ method: 'GET', url: '/healthz' });
        expect(health.json()).toMatchObject({ status: 'ok', version: api.VERSION });
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
