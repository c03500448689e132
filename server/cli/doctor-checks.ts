// The checks behind `livegate doctor`: each looks at one prerequisite without changing anything
// (no migration, no key file created) and says what is wrong and how to fix it.
import { randomUUID, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { modelStatus, verifyModels } from '../../models/fetch.ts';
import { loadManifest } from '../../models/manifest.ts';
import { CAPTURE_DIST } from '../capture/page.ts';
import type { Config } from '../config.ts';
import { KEK_FILE_NAME, loadSecretBox } from '../crypto/kek-source.ts';
import { openPrivateJwk } from '../crypto/kek-store.ts';
import type { SecretBox } from '../crypto/kek.ts';
import { LATEST_SCHEMA_VERSION } from '../application/readiness.ts';
import { describePostgresUrl, isPostgresUrl, SQLITE_FILE_NAME } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { inspectTls, isLocalhost, isSecureContextUrl, readTlsFiles } from '../tls.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do (failures and warnings). */
  fix?: string;
}

export interface DoctorContext {
  config: Config;
  env: NodeJS.ProcessEnv;
  now: () => number;
  manifestPath?: string;
  captureDist: string;
  /** Largest tolerated difference between this host's clock and the database's. */
  maxSkewMs: number;
  /** Filled by the store check for the later ones. */
  store: Store | null;
  schemaVersion: number | null;
  /** Whether something answers on the configured port (a running Livegate). */
  serving: boolean;
}

const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'fail', detail, fix });
const warn = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'warn', detail, fix });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/postgres(ql)?:\/\/\S*/gi, (m) => describePostgresUrl(m));

export async function checkModels(ctx: DoctorContext): Promise<DoctorCheck> {
  const dir = ctx.config.modelsDir;
  const fix = `livegate models fetch --dir ${dir} (add --mirror DIR offline)`;
  try {
    const manifest = await loadManifest(ctx.manifestPath);
    const present = (await modelStatus(dir, manifest)).filter((m) => m.present);
    const checks = await verifyModels(dir, { ...manifest, models: manifest.models.filter((m) => present.some((p) => p.name === m.name)) }).catch(() => []);
    const missing = manifest.models.filter((m) => !m.optional && !present.some((p) => p.name === m.name)).map((m) => m.file);
    const modified = checks.filter((c) => !c.sha256_ok).map((c) => c.file);
    if (missing.length || modified.length) {
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', modified.length ? `sha256 mismatch ${modified.join(', ')}` : ''].filter(Boolean);
      return fail('models', `${parts.join('; ')} in ${dir}`, fix);
    }
    return ok('models', `${checks.length} files in ${dir}, sha256 verified`);
  } catch (err) {
    return fail('models', `cannot check ${dir}: ${message(err)}`, fix);
  }
}

/** Opens the store as it is: no migration, and no SQLite file created. */
async function openAsIs(config: Config): Promise<Store | null> {
  if (isPostgresUrl(config.databaseUrl)) {
    const { createPostgresStore } = await import('../store/postgres.ts');
    return createPostgresStore(config.databaseUrl, { max: 2, connectionTimeoutMillis: 5000, applicationName: 'livegate-doctor' });
  }
  const file = path.join(config.dataDir, SQLITE_FILE_NAME);
  if (!existsSync(file)) return null;
  const { createSqliteStore } = await import('../store/sqlite.ts');
  return createSqliteStore(file);
}

export async function checkStore(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const { config } = ctx;
  const where = isPostgresUrl(config.databaseUrl) ? `PostgreSQL at ${describePostgresUrl(config.databaseUrl)}` : `SQLite in ${config.dataDir}`;
  let store: Store | null;
  try {
    store = await openAsIs(config);
  } catch (err) {
    return [fail('store', `cannot open ${where}: ${message(err)}`, 'Check DATABASE_URL (or --data and its permissions).')];
  }
  if (store === null) {
    return [ok('store', `${where}: no database yet; livegate start creates it`)];
  }
  ctx.store = store;
  const checks: DoctorCheck[] = [];
  try {
    const { schemaVersion } = await store.probe();
    ctx.schemaVersion = schemaVersion;
    checks.push(ok('store', `${where} reachable`));
  } catch (err) {
    if (/schema_migrations/.test(message(err))) {
      ctx.schemaVersion = 0;
      checks.push(ok('store', `${where} reachable (empty)`));
    } else {
      ctx.store = null;
      await store.close().catch(() => undefined);
      return [fail('store', `${where} unreachable: ${message(err)}`, 'Start the database, or fix DATABASE_URL (host, port, database, user, password).')];
    }
  }
  const version = ctx.schemaVersion ?? 0;
  checks.push(
    version === LATEST_SCHEMA_VERSION
      ? ok('migrations', `schema at version ${version} (current)`)
      : version > LATEST_SCHEMA_VERSION
        ? fail('migrations', `schema at version ${version}, newer than this build (${LATEST_SCHEMA_VERSION})`, 'Upgrade Livegate to the version the other instances run.')
        : fail('migrations', `schema at version ${version}, this build needs ${LATEST_SCHEMA_VERSION}`, 'Run livegate start once with a database user allowed to CREATE tables (migrations run at start).'),
  );
  if (version >= 5) {
    try {
      // A counter in the rate-limit table whose window ends at once: the next prune removes it.
      await store.hitRateLimit(`doctor:${randomUUID()}`, 1, ctx.now());
      checks.push(ok('store write', 'a test row was written'));
    } catch (err) {
      checks.push(fail('store write', `cannot write: ${message(err)}`, 'Grant the database user INSERT, UPDATE and DELETE on the Livegate tables (or make the SQLite file writable).'));
    }
  }
  return checks;
}

export async function checkSigningKey(ctx: DoctorContext): Promise<DoctorCheck> {
  const { config, env } = ctx;
  const defaultFile = path.join(config.dataDir, KEK_FILE_NAME);
  const kekConfigured = Boolean(env.LIVEGATE_KEK) || Boolean(config.kekFile) || existsSync(defaultFile);
  const rows = ctx.store && (ctx.schemaVersion ?? 0) >= 1 ? await ctx.store.listSigningKeys().catch(() => []) : [];
  if (!kekConfigured && !config.databaseUrl) {
    return rows.length === 0
      ? ok('signing key', `none yet; livegate start creates it and ${defaultFile}`)
      : fail('signing key', `${rows.length} signing key(s) stored but no key-encryption key (${defaultFile} is missing)`, 'Restore the key file from your backup, or set LIVEGATE_KEK / LIVEGATE_KEK_FILE.');
  }
  let box: SecretBox;
  try {
    box = loadSecretBox(config, env).box;
  } catch (err) {
    return fail('signing key', message(err), 'Set LIVEGATE_KEK (livegate kek generate) or LIVEGATE_KEK_FILE, the same on every instance.');
  }
  if (rows.length === 0) return ok('signing key', `key-encryption key ${box.keyId} loaded; no signing key yet (created at start)`);
  const live = rows.filter((r) => r.retired_at === null);
  const failed: string[] = [];
  for (const row of live) {
    try {
      openPrivateJwk(box, row);
    } catch {
      failed.push(row.kid);
    }
  }
  if (failed.length) {
    return fail('signing key', `signing key(s) ${failed.join(', ')} do not open with the key-encryption key ${box.keyId}`, 'Set LIVEGATE_KEK (or LIVEGATE_KEK_PREVIOUS) to the key they were sealed with.');
  }
  return ok('signing key', `${live.length} signing key(s) open with the key-encryption key ${box.keyId}`);
}

export async function checkClock(ctx: DoctorContext): Promise<DoctorCheck> {
  if (!isPostgresUrl(ctx.config.databaseUrl)) return ok('clock', 'SQLite runs on this host: one clock');
  if (!ctx.store || ctx.schemaVersion === null) return warn('clock', 'not checked: the store is not reachable', 'Fix the store first.');
  try {
    const before = ctx.now();
    const { clockMs } = await ctx.store.probe();
    const after = ctx.now();
    const skew = Math.round(clockMs - (before + after) / 2);
    if (Math.abs(skew) > ctx.maxSkewMs) {
      return fail('clock', `this host is ${Math.abs(skew)} ms ${skew > 0 ? 'behind' : 'ahead of'} the database (tolerated ${ctx.maxSkewMs} ms)`, 'Synchronise the clocks (systemd-timesyncd, chrony) on this host and the database host.');
    }
    return ok('clock', `${Math.abs(skew)} ms from the database clock`);
  } catch (err) {
    return fail('clock', `cannot read the database clock: ${message(err)}`, 'Fix the store first.');
  }
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function answersAsLivegate(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { status?: unknown; version?: unknown };
    return res.ok && body.status === 'ok' && typeof body.version === 'string';
  } catch {
    return false;
  }
}

export async function checkPorts(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const { config } = ctx;
  const bracket = config.host.includes(':') ? `[${config.host}]` : config.host;
  const ports: [string, number | undefined][] = [['port', config.port], ['metrics port', config.metricsPort]];
  const checks: DoctorCheck[] = [];
  for (const [name, port] of ports) {
    if (port === undefined || port === 0) continue;
    if (await portFree(port, config.host)) {
      checks.push(ok(name, `${bracket}:${port} is free`));
      continue;
    }
    const scheme = config.tlsCert && name === 'port' ? 'https' : 'http';
    const local = `${scheme}://${isLocalhost(config.host) || config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : bracket}:${port}`;
    if (name === 'port' && (await answersAsLivegate(local))) {
      ctx.serving = true;
      checks.push(ok(name, `${bracket}:${port} is served by a running Livegate`));
    } else {
      checks.push(fail(name, `${bracket}:${port} is taken by another program`, `Stop it, or choose a free port (${name === 'port' ? '--port / LIVEGATE_PORT' : 'LIVEGATE_METRICS_PORT'}).`));
    }
  }
  return checks;
}

export async function checkPublicUrl(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const url = ctx.config.publicUrl;
  const checks: DoctorCheck[] = [];
  checks.push(
    isSecureContextUrl(url)
      ? ok('secure context', `${url} is https or localhost: browsers open the camera`)
      : fail('secure context', `${url} is neither https nor localhost: browsers will not open the camera`, 'Serve HTTPS (--tls-cert/--tls-key) or put a TLS reverse proxy in front (docs/DEPLOY.md); set LIVEGATE_PUBLIC_URL to the https URL.'),
  );
  if (!ctx.serving) {
    checks.push(warn('public URL', `not checked: no Livegate is running on port ${ctx.config.port} of this host`, 'Start Livegate, then run livegate doctor again to check that the public URL reaches it.'));
    return checks;
  }
  type Jwks = { keys?: { kid?: string }[] };
  let jwks: Jwks;
  try {
    const res = await fetch(`${url}/.well-known/jwks.json`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return [...checks, fail('public URL', `${url} answered ${res.status}, not Livegate`, 'Point the DNS name and the reverse proxy at this server (docs/DEPLOY.md), or fix LIVEGATE_PUBLIC_URL.')];
    jwks = (await res.json()) as Jwks;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return [...checks, fail('public URL', `${url} is unreachable from this host: ${cause?.code ?? cause?.message ?? message(err)}`, 'Check the DNS name, the firewall and the reverse proxy (docs/DEPLOY.md), or fix LIVEGATE_PUBLIC_URL.')];
  }
  const kids = new Set((ctx.store ? await ctx.store.listSigningKeys().catch(() => []) : []).map((r) => r.kid));
  const served = (jwks.keys ?? []).map((k) => k.kid);
  if (kids.size > 0 && !served.some((kid) => kid !== undefined && kids.has(kid))) {
    return [...checks, fail('public URL', `${url} answers with signing keys of another Livegate (${served.join(', ') || 'none'})`, 'The public URL reaches a different deployment: fix the DNS name, the proxy target or LIVEGATE_PUBLIC_URL.')];
  }
  return [...checks, ok('public URL', `${url} reaches this Livegate (its JWKS)`)];
}

export function checkTls(ctx: DoctorContext): DoctorCheck | null {
  const { tlsCert, tlsKey, publicUrl } = ctx.config;
  if (!tlsCert || !tlsKey) return null;
  try {
    const material = readTlsFiles(tlsCert, tlsKey);
    const info = inspectTls(material);
    const now = ctx.now();
    if (!info.keyMatches) return fail('tls', `the key ${tlsKey} does not belong to the certificate ${tlsCert}`, 'Pass the key the certificate was issued for (--tls-key).');
    if (info.validTo.getTime() <= now) return fail('tls', `the certificate expired on ${info.validTo.toISOString()}`, 'Renew the certificate (or let Caddy manage it, docs/DEPLOY.md).');
    if (info.validFrom.getTime() > now) return fail('tls', `the certificate is valid only from ${info.validFrom.toISOString()}`, "Check this host's clock or the certificate.");
    const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
    const cert = new X509Certificate(material.cert);
    const covers = /^[\d.]+$|:/.test(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
    if (!covers) return fail('tls', `the certificate (${info.altNames ?? info.subject}) does not cover ${host}`, 'Use a certificate issued for the public URL host.');
    const days = Math.floor((info.validTo.getTime() - now) / 86_400_000);
    if (days < 14) return warn('tls', `the certificate expires in ${days} day(s), on ${info.validTo.toISOString()}`, 'Renew it soon.');
    return ok('tls', `certificate for ${host} valid until ${info.validTo.toISOString()}, key matches`);
  } catch (err) {
    return fail('tls', message(err), 'Check --tls-cert and --tls-key.');
  }
}

export function checkCapturePage(ctx: DoctorContext): DoctorCheck {
  const page = path.join(ctx.captureDist, 'index.html');
  if (!existsSync(page)) return fail('capture page', `${page} is missing: the verification page is not built`, 'npm run build:capture (scripts/start.sh builds it).');
  // The page's runtimes, served from their packages: the face landmarker's WASM and onnxruntime-web.
  const missing = ['@mediapipe/tasks-vision', 'onnxruntime-web'].filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) return fail('capture page', `the page's runtime packages are not installed: ${missing.join(', ')}`, 'npm ci in the Livegate directory.');
  return ok('capture page', `built in ${ctx.captureDist}, runtimes installed`);
}

export const DEFAULT_CAPTURE_DIST = CAPTURE_DIST;
