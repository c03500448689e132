// Readiness data, distinct from liveness (/healthz answers as long as the process runs): the models
// are in place and match their sha256, the store answers, and its schema is the one this build
// migrates to. A load balancer sends traffic only to an instance whose /readyz answers 200.
import { loadManifest, type ModelManifest } from '../../models/manifest.ts';
import { stat } from 'node:fs/promises';
import { modelStatus, sha256File } from '../../models/fetch.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import type { Store } from '../store/types.ts';

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

export type ReadinessPart = 'models' | 'store' | 'migrations';
export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}
export interface Readiness {
  ready: boolean;
  checks: Record<ReadinessPart, ReadinessCheck>;
}

const STORE_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createReadinessCheck(deps: { store: Store; modelsDir: string; manifest?: ModelManifest }): () => Promise<Readiness> {
  let manifest: Promise<ModelManifest> | undefined = deps.manifest ? Promise.resolve(deps.manifest) : undefined;
  // Each file is hashed once per version of it (path, size, mtime): probes stay cheap.
  const hashed = new Map<string, { key: string; ok: boolean }>();
  async function hashOk(file: string, expected: string): Promise<boolean> {
    const s = await stat(file);
    const key = `${s.size}:${s.mtimeMs}`;
    const cached = hashed.get(file);
    if (cached?.key === key) return cached.ok;
    const ok = (await sha256File(file)) === expected;
    hashed.set(file, { key, ok });
    return ok;
  }
  return async () => {
    const models = await (async (): Promise<ReadinessCheck> => {
      try {
        manifest ??= loadManifest();
        const m = await manifest;
        const status = await modelStatus(deps.modelsDir, m);
        const bad = status.filter((s) => !s.optional && !(s.present && s.size_ok));
        if (bad.length > 0) return { ok: false, detail: `missing or incomplete in ${deps.modelsDir}: ${bad.map((s) => s.file).join(', ')}` };
        const present = status.filter((s) => s.present && s.size_ok);
        const checks = await Promise.all(present.map((s) => hashOk(s.path, m.models.find((e) => e.name === s.name)!.sha256)));
        const modified = present.filter((_, i) => !checks[i]);
        if (modified.length > 0) return { ok: false, detail: `sha256 mismatch in ${deps.modelsDir}: ${modified.map((s) => s.file).join(', ')}` };
        return { ok: true, detail: `${present.length} model files in ${deps.modelsDir}, sha256 verified` };
      } catch (err) {
        manifest = undefined;
        return { ok: false, detail: `cannot read the model manifest: ${(err as Error).message}` };
      }
    })();
    let store: ReadinessCheck;
    let migrations: ReadinessCheck;
    try {
      const { schemaVersion } = await withTimeout(deps.store.probe(), STORE_TIMEOUT_MS, `the ${deps.store.kind} store`);
      store = { ok: true, detail: `${deps.store.kind} answers` };
      migrations =
        schemaVersion === LATEST_SCHEMA_VERSION
          ? { ok: true, detail: `schema at version ${schemaVersion}` }
          : { ok: false, detail: `schema at version ${schemaVersion}, this build needs ${LATEST_SCHEMA_VERSION}` };
    } catch (err) {
      store = { ok: false, detail: `${deps.store.kind} unreachable: ${(err as Error).message}` };
      migrations = { ok: false, detail: 'unknown: the store did not answer' };
    }
    const checks = { models, store, migrations };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}
