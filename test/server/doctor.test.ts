// `livegate doctor` against fixtures that each break one prerequisite: every broken one is
// reported as a failure naming the fix, a healthy setup passes, and the CLI exits 1 on a failure.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorCheck } from '../../server/cli/doctor.ts';
import { loadConfig, type ConfigInput } from '../../server/config.ts';
import { generateKek } from '../../server/crypto/kek.ts';
import { createSecretBox } from '../../server/crypto/kek.ts';
import { LATEST_SCHEMA_VERSION } from '../../server/application/readiness.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { livegate } from '../helpers/cli.ts';
import { freePort } from '../helpers/ports.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { selfSignedCert, type SelfSigned } from '../helpers/tls.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(ROOT, 'models');
const tmp = (name: string) => mkdtempSync(path.join(tmpdir(), `livegate-doctor-${name}-`));

function byName(checks: DoctorCheck[], name: string): DoctorCheck {
  const found = checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check "${name}" in ${JSON.stringify(checks.map((c) => c.name))}`);
  return found;
}

const failures = (checks: DoctorCheck[]) => checks.filter((c) => c.status === 'fail').map((c) => c.name);

/** A migrated SQLite data dir with its key file and a signing key (an app built once over it). */
async function readyDataDir(): Promise<{ dir: string; app: TestApp }> {
  const app = await createTestApp({ modelsDir: MODELS }, { analyzer: false });
  return { dir: app.dataDir, app };
}

const config = (overrides: ConfigInput) => loadConfig({ modelsDir: MODELS, logLevel: 'silent', ...overrides }, {});

describe('livegate doctor', () => {
  let healthy: { dir: string; app: TestApp };
  let port: number;
  beforeAll(async () => {
    healthy = await readyDataDir();
    port = await freePort();
  });
  afterAll(async () => healthy?.app.close());

  it('passes a healthy SQLite setup (no server running: the public URL is a warning, not a failure)', async () => {
    const checks = await runDoctor(config({ dataDir: healthy.dir, port }), { env: {} });
    expect(failures(checks)).toEqual([]);
    expect(byName(checks, 'models').detail).toMatch(/sha256 verified/);
    expect(byName(checks, 'migrations').detail).toBe(`schema at version ${LATEST_SCHEMA_VERSION} (current)`);
    expect(byName(checks, 'store write').status).toBe('ok');
    expect(byName(checks, 'signing key').detail).toMatch(/1 signing key\(s\) open/);
    expect(byName(checks, 'public URL').status).toBe('warn');
  });

  it('reports missing and modified model files', async () => {
    const empty = tmp('no-models');
    const modified = tmp('modified-models');
    for (const file of readdirSync(MODELS).filter((f) => /\.(onnx|task)$/.test(f))) copyFileSync(path.join(MODELS, file), path.join(modified, file));
    const target = path.join(modified, 'face_detection_front_128x128_barracuda.onnx');
    const bytes = readFileSync(target);
    bytes[bytes.length - 1] ^= 0xff; // same size, other content
    writeFileSync(target, bytes);
    try {
      const missing = byName(await runDoctor(config({ dataDir: healthy.dir, port, modelsDir: empty }), { env: {} }), 'models');
      expect(missing).toMatchObject({ status: 'fail', fix: expect.stringContaining('livegate models fetch') });
      expect(missing.detail).toMatch(/missing .*face_landmarker\.task/);
      const changed = byName(await runDoctor(config({ dataDir: healthy.dir, port, modelsDir: modified }), { env: {} }), 'models');
      expect(changed.status).toBe('fail');
      expect(changed.detail).toMatch(/sha256 mismatch face_detection_front_128x128_barracuda\.onnx/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
      rmSync(modified, { recursive: true, force: true });
    }
  });

  it('reports a schema behind this build, and a signing key the key-encryption key cannot open', async () => {
    const fixture = await readyDataDir();
    try {
      await fixture.app.app.close();
      await fixture.app.store.close();
      const db = new DatabaseSync(path.join(fixture.dir, 'livegate.db'));
      db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(LATEST_SCHEMA_VERSION);
      db.close();
      writeFileSync(path.join(fixture.dir, 'kek.key'), `${generateKek().toString('base64')}\n`, { mode: 0o600 });
      const checks = await runDoctor(config({ dataDir: fixture.dir, port }), { env: {} });
      expect(byName(checks, 'migrations')).toMatchObject({ status: 'fail', detail: `schema at version ${LATEST_SCHEMA_VERSION - 1}, this build needs ${LATEST_SCHEMA_VERSION}` });
      expect(byName(checks, 'signing key')).toMatchObject({ status: 'fail', fix: expect.stringContaining('LIVEGATE_KEK') });
      expect(byName(checks, 'signing key').detail).toMatch(/do not open with the key-encryption key/);
    } finally {
      rmSync(fixture.dir, { recursive: true, force: true });
    }
  });

  it('reports a port taken by another program, a public URL that is not secure, and a missing capture page', async () => {
    const taken: Server = await new Promise((resolve) => {
      const s = createServer((socket) => socket.end('not http\n'));
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const takenPort = (taken.address() as { port: number }).port;
    const emptyDist = tmp('no-page');
    try {
      const checks = await runDoctor(config({ dataDir: healthy.dir, port: takenPort, publicUrl: 'http://192.168.1.20:8787' }), { env: {}, captureDist: emptyDist });
      expect(byName(checks, 'port')).toMatchObject({ status: 'fail', detail: `127.0.0.1:${takenPort} is taken by another program` });
      expect(byName(checks, 'secure context')).toMatchObject({ status: 'fail', fix: expect.stringContaining('--tls-cert') });
      expect(byName(checks, 'capture page')).toMatchObject({ status: 'fail', fix: expect.stringContaining('npm run build:capture') });
    } finally {
      taken.close();
      rmSync(emptyDist, { recursive: true, force: true });
    }
  });

  it('with a running server: a public URL that is unreachable, or that reaches another Livegate', async () => {
    await healthy.app.app.listen({ port: 0, host: '127.0.0.1' });
    const running = (healthy.app.app.server.address() as { port: number }).port;
    const other = await createTestApp({}, { analyzer: false });
    await other.app.listen({ port: 0, host: '127.0.0.1' });
    const otherPort = (other.app.server.address() as { port: number }).port;
    try {
      const good = await runDoctor(config({ dataDir: healthy.dir, port: running }), { env: {} });
      expect(byName(good, 'port').detail).toMatch(/served by a running Livegate/);
      expect(byName(good, 'public URL')).toMatchObject({ status: 'ok', detail: expect.stringContaining('reaches this Livegate') });
      const unreachable = await runDoctor(config({ dataDir: healthy.dir, port: running, publicUrl: `http://127.0.0.1:${await freePort()}` }), { env: {} });
      expect(byName(unreachable, 'public URL')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/unreachable from this host: ECONNREFUSED/) });
      const elsewhere = await runDoctor(config({ dataDir: healthy.dir, port: running, publicUrl: `http://127.0.0.1:${otherPort}` }), { env: {} });
      expect(byName(elsewhere, 'public URL')).toMatchObject({ status: 'fail', detail: expect.stringContaining('signing keys of another Livegate') });
    } finally {
      await other.close();
    }
  });

  describe('TLS', () => {
    let a: SelfSigned;
    let b: SelfSigned;
    beforeAll(async () => {
      a = await selfSignedCert({ name: 'a' });
      b = await selfSignedCert({ dir: a.dir, name: 'b' });
    });
    afterAll(() => rmSync(a.dir, { recursive: true, force: true }));

    const tlsCheck = async (overrides: ConfigInput, now?: () => number) =>
      byName(await runDoctor(config({ dataDir: healthy.dir, port, publicUrl: `https://localhost:${port}`, ...overrides }), { env: {}, ...(now ? { now } : {}) }), 'tls');

    it('passes a matching, current certificate for the public host', async () => {
      expect(await tlsCheck({ tlsCert: a.cert, tlsKey: a.key })).toMatchObject({ status: 'warn', detail: expect.stringMatching(/expires in 1 day/) });
    });
    it('reports a key that does not match, an expired certificate, and a host it does not cover', async () => {
      expect(await tlsCheck({ tlsCert: a.cert, tlsKey: b.key })).toMatchObject({ status: 'fail', detail: expect.stringContaining('does not belong to the certificate') });
      expect(await tlsCheck({ tlsCert: a.cert, tlsKey: a.key }, () => Date.now() + 5 * 86_400_000)).toMatchObject({ status: 'fail', detail: expect.stringContaining('expired on') });
      expect(await tlsCheck({ tlsCert: a.cert, tlsKey: a.key, publicUrl: 'https://livegate.example.com' })).toMatchObject({ status: 'fail', detail: expect.stringContaining('does not cover livegate.example.com') });
    });
  });

  describe('PostgreSQL', () => {
    let cluster: TestPostgres;
    const kek = generateKek();
    const env = { LIVEGATE_KEK: kek.toString('base64') };
    beforeAll(async () => {
      cluster = await startPostgres();
      const app = await createTestApp({}, { analyzer: false, databaseUrl: cluster.url, secrets: createSecretBox([kek]) });
      await app.close();
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      await client.query('CREATE ROLE readonly LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO readonly');
      await client.end();
    }, 120_000);
    afterAll(async () => cluster?.stop());

    it('passes with a full-rights user and the shared key-encryption key; the clock is compared with the database', async () => {
      const checks = await runDoctor(config({ databaseUrl: cluster.url, port, dataDir: tmp('pg') }), { env });
      expect(failures(checks)).toEqual([]);
      expect(byName(checks, 'clock').detail).toMatch(/ms from the database clock/);
    });

    it('reports a user without write permission, a clock far off, an unreachable server and a missing KEK', async () => {
      const readonlyUrl = cluster.url.replace('postgres@', 'readonly@');
      const readonly = await runDoctor(config({ databaseUrl: readonlyUrl, port, dataDir: tmp('pg') }), { env });
      expect(byName(readonly, 'store').status).toBe('ok');
      expect(byName(readonly, 'store write')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/permission denied/), fix: expect.stringContaining('INSERT') });

      const skewed = await runDoctor(config({ databaseUrl: cluster.url, port, dataDir: tmp('pg') }), { env, now: () => Date.now() - 60_000 });
      expect(byName(skewed, 'clock')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/this host is \d+ ms behind the database/) });

      const down = await runDoctor(config({ databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, port, dataDir: tmp('pg') }), { env });
      expect(byName(down, 'store')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/unreachable/) });

      const noKek = await runDoctor(config({ databaseUrl: cluster.url, port, dataDir: tmp('pg') }), { env: {} });
      expect(byName(noKek, 'signing key')).toMatchObject({ status: 'fail', detail: expect.stringContaining('LIVEGATE_KEK') });
    });
  });

  it('the CLI prints one line per check with the fix, and exits 1 on a failure', async () => {
    const empty = tmp('cli-no-models');
    mkdirSync(empty, { recursive: true });
    try {
      const bad = await livegate(['doctor', '--data', healthy.dir, '--port', String(port), '--models', empty], { LIVEGATE_PUBLIC_URL: '', DATABASE_URL: '' });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^FAIL  models: missing .* -> fix: livegate models fetch/m);
      expect(bad.stdout).toMatch(/^ok    migrations: schema at version \d+ \(current\)$/m);
      expect(bad.stdout).toContain('1 check(s) failed.');
      const good = await livegate(['doctor', '--data', healthy.dir, '--port', String(port), '--models', MODELS], { LIVEGATE_PUBLIC_URL: '', DATABASE_URL: '' });
      expect(good.code).toBe(0);
      expect(good.stdout).toContain('All checks passed.');
      const json = await livegate(['doctor', '--json', '--data', healthy.dir, '--port', String(port), '--models', empty], { LIVEGATE_PUBLIC_URL: '', DATABASE_URL: '' });
      expect(json.code).toBe(1);
      const checks = JSON.parse(json.stdout) as DoctorCheck[];
      expect(checks.find((c) => c.name === 'models')).toMatchObject({ status: 'fail', fix: expect.stringContaining('livegate models fetch') });
      expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['models', 'store', 'migrations', 'store write', 'signing key', 'clock', 'port', 'secure context', 'public URL', 'capture page']));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
