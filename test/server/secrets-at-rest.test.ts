// Secrets at rest, on SQLite and PostgreSQL: the raw database holds no plaintext private JWK or
// whsec_ secret, plaintext rows from before encryption are sealed on the first start and keep
// working, a start with the wrong key-encryption key refuses clearly, and `livegate kek rotate`
// re-seals everything under a new key (key file on SQLite, LIVEGATE_KEK on PostgreSQL).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, SignJWT, jwtVerify, importJWK } from 'jose';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { ensureDefaultTenant } from '../../server/bootstrap.ts';
import { loadConfig } from '../../server/config.ts';
import { loadSecretBox, readKeyFile } from '../../server/crypto/kek-source.ts';
import { openPrivateJwk, openWebhookSecret } from '../../server/crypto/kek-store.ts';
import { createSecretBox, generateKek, kekId, type SecretBox } from '../../server/crypto/kek.ts';
import { openStore } from '../../server/store/index.ts';
import type { Store } from '../../server/store/types.ts';
import { livegate } from '../helpers/cli.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

interface Backend {
  name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh data dir and, on PostgreSQL, a fresh database. */
  fresh(): Promise<{ dataDir: string; databaseUrl?: string }>;
  /** Every stored value of the secret-holding tables as text, read around the store. */
  rawRows(target: { dataDir: string; databaseUrl?: string }): Promise<{ privateJwks: string[]; secrets: string[] }>;
  /** Bytes that could hold a secret, dead copies included (SQLite: the database file and its WAL; PostgreSQL: the tables' raw pages). */
  rawFiles(target: { dataDir: string; databaseUrl?: string }): Promise<string>;
  /** The box the app uses: the key file on SQLite, an explicit LIVEGATE_KEK on PostgreSQL. */
  secrets(target: { dataDir: string; databaseUrl?: string }): SecretBox;
  /** CLI flags and environment selecting this store and key. */
  cli(target: { dataDir: string; databaseUrl?: string }): { args: string[]; env: Record<string, string> };
}

const root = mkdtempSync(path.join(tmpdir(), 'livegate-at-rest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const PG_KEK = generateKek();

function sqlite(): Backend {
  return {
    name: 'sqlite',
    async setup() {},
    async teardown() {},
    async fresh() {
      return { dataDir: path.join(root, `sqlite-${++n}`) };
    },
    async rawRows({ dataDir }) {
      const db = new DatabaseSync(path.join(dataDir, 'livegate.db'));
      try {
        return {
          privateJwks: (db.prepare('SELECT private_jwk FROM signing_keys').all() as { private_jwk: string }[]).map((r) => r.private_jwk),
          secrets: (db.prepare('SELECT secret FROM webhook_endpoints').all() as { secret: string }[]).map((r) => r.secret),
        };
      } finally {
        db.close();
      }
    },
    async rawFiles({ dataDir }) {
      return ['livegate.db', 'livegate.db-wal']
        .map((f) => path.join(dataDir, f))
        .filter(existsSync)
        .map((f) => readFileSync(f).toString('latin1'))
        .join('');
    },
    secrets: ({ dataDir }) => loadSecretBox({ dataDir }, {}).box,
    cli: ({ dataDir }) => ({ args: ['--data', dataDir], env: {} }),
  };
}

function postgres(): Backend {
  let cluster: TestPostgres | null = null;
  return {
    name: 'postgres',
    async setup() {
      cluster = await startPostgres();
    },
    async teardown() {
      await cluster?.stop();
    },
    async fresh() {
      const name = `livegate_at_rest_${++n}`;
      const admin = new pg.Client({ connectionString: cluster!.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return { dataDir: path.join(root, `pg-${n}`), databaseUrl: cluster!.url.replace(/\/postgres$/, `/${name}`) };
    },
    async rawRows({ databaseUrl }) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return {
          privateJwks: (await client.query<{ t: string }>('SELECT private_jwk::text AS t FROM signing_keys')).rows.map((r) => r.t),
          secrets: (await client.query<{ secret: string }>('SELECT secret FROM webhook_endpoints')).rows.map((r) => r.secret),
        };
      } finally {
        await client.end();
      }
    },
    async rawFiles({ databaseUrl }) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
        let bytes = '';
        for (const table of ['signing_keys', 'webhook_endpoints']) {
          const { rows } = await client.query<{ n: string }>(`SELECT pg_relation_size('${table}') / current_setting('block_size')::int AS n`);
          for (let block = 0; block < Number(rows[0].n); block++) {
            const page = await client.query<{ p: Buffer }>(`SELECT get_raw_page('${table}', ${block}) AS p`);
            bytes += page.rows[0].p.toString('latin1');
          }
        }
        return bytes;
      } finally {
        await client.end();
      }
    },
    secrets: () => loadSecretBox({ dataDir: root, databaseUrl: 'postgres://x' }, { LIVEGATE_KEK: PG_KEK.toString('base64') }).box,
    cli: ({ dataDir, databaseUrl }) => ({ args: ['--data', dataDir, '--database-url', databaseUrl!], env: { LIVEGATE_KEK: PG_KEK.toString('base64') } }),
  };
}

describe.each([sqlite(), postgres()])('secrets at rest on $name', (backend) => {
  const opened: Array<{ close(): Promise<void> }> = [];

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
  });

  async function open(target: { dataDir: string; databaseUrl?: string }): Promise<Store> {
    const store = await openStore(target);
    opened.push(store);
    return store;
  }

  async function app(target: { dataDir: string; databaseUrl?: string }, store: Store, secrets = backend.secrets(target)): Promise<FastifyInstance> {
    const built = await buildApp({ config: loadConfig({ dataDir: target.dataDir, logLevel: 'silent' }, {}), store, secrets, analyzer: false });
    opened.push(built);
    return built;
  }

  it('stores no plaintext private JWK or whsec_ secret', async () => {
    const target = await backend.fresh();
    const store = await open(target);
    const first = (await ensureDefaultTenant(store))!;
    const built = await app(target, store);
    const created = await built.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': first.key }, payload: { url: 'https://hooks.example.com/livegate' } });
    expect(created.statusCode).toBe(201);
    const secret = created.json().secret as string;
    expect(secret).toMatch(/^whsec_/);

    const raw = await backend.rawRows(target);
    expect(raw.privateJwks).toHaveLength(1);
    expect(raw.secrets).toHaveLength(1);
    const box = backend.secrets(target);
    const [row] = await store.listSigningKeys();
    const d = openPrivateJwk(box, row).d as string;
    expect(d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const text of [...raw.privateJwks, await backend.rawFiles(target)]) {
      expect(text).not.toContain(d);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice('whsec_'.length));
    }
    expect(raw.privateJwks[0]).not.toContain('"d"');
    expect(JSON.parse(raw.privateJwks[0])).toEqual({ sealed: expect.stringMatching(new RegExp(`^kek1:${box.keyId}:`)) });
    expect(raw.secrets[0]).toMatch(new RegExp(`^kek1:${box.keyId}:`));
    expect(raw.secrets[0]).not.toContain('whsec_');
    // ...and the app reads them back: the secret opens to what the tenant was shown.
    const [endpoint] = await store.listAllWebhookEndpoints();
    expect(openWebhookSecret(box, endpoint.id, endpoint.secret)).toBe(secret);
  });

  it('seals plaintext rows from before encryption on the first start, and they keep working', async () => {
    const target = await backend.fresh();
    const store = await open(target);
    await ensureDefaultTenant(store);
    // What an older Livegate left: a plain private JWK and a plain whsec_ secret.
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
    await store.insertSigningKey({ kid, alg: 'ES256', private_jwk: privateJwk, public_jwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, created_at: Date.now() - 1000, activates_at: Date.now() - 1000, retired_at: null });
    const oldSecret = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;
    await store.insertWebhookEndpoint({ id: 'wh_legacy', tenant_id: 'default', url: 'https://hooks.example.com/x', secret: oldSecret, events: [], enabled: true, disabled_reason: null, created_at: Date.now() });
    expect((await backend.rawRows(target)).secrets).toEqual([oldSecret]);

    const built = await app(target, store);
    const raw = await backend.rawRows(target);
    expect(raw.privateJwks).toHaveLength(1);
    expect(raw.privateJwks[0]).not.toContain(privateJwk.d as string);
    expect(raw.secrets[0]).toMatch(/^kek1:/);
    // Nor does the plaintext linger in freed pages or old WAL frames.
    const files = await backend.rawFiles(target);
    expect(files).not.toContain(oldSecret);
    expect(files).not.toContain(privateJwk.d as string);
    // The same key still signs (same kid in the JWKS) and its signatures verify.
    const { keys } = await built.services.keyring.jwks();
    expect(keys.map((k) => k.kid)).toEqual([kid]);
    const signer = await built.services.keyring.signingKey();
    expect(signer.kid).toBe(kid);
    const jwt = await new SignJWT({ x: 1 }).setProtectedHeader({ alg: 'ES256', kid }).sign(signer.privateKey);
    await expect(jwtVerify(jwt, await importJWK(keys[0], 'ES256'))).resolves.toBeDefined();
    expect(openWebhookSecret(backend.secrets(target), 'wh_legacy', raw.secrets[0])).toBe(oldSecret);
  });

  it('refuses to start with another key-encryption key, naming the missing key', async () => {
    const target = await backend.fresh();
    const store = await open(target);
    await app(target, store);
    const other = createSecretBox([generateKek()]);
    await expect(app(target, store, other)).rejects.toMatchObject({ code: 'kek_unknown_key', message: expect.stringMatching(/which is not loaded.*LIVEGATE_KEK_PREVIOUS/) });
  });

  it('`livegate kek rotate` re-seals every secret under a new key; the old key no longer opens them', async () => {
    const target = await backend.fresh();
    const store = await open(target);
    const first = (await ensureDefaultTenant(store))!;
    const before = await app(target, store);
    const secret = (await before.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': first.key }, payload: { url: 'https://hooks.example.com/x' } })).json().secret as string;
    const kid = (await before.services.keyring.signingKey()).kid;
    const oldBox = backend.secrets(target);
    await before.close();

    const { args, env } = backend.cli(target);
    let newBox: SecretBox;
    let result: Awaited<ReturnType<typeof livegate>>;
    if (backend.name === 'sqlite') {
      result = await livegate(['kek', 'rotate', ...args], env);
      newBox = backend.secrets(target);
      // The key file now holds the new key alone.
      expect(readKeyFile(path.join(target.dataDir, 'kek.key')).map(kekId)).toEqual([newBox.keyId]);
    } else {
      const next = generateKek();
      result = await livegate(['kek', 'rotate', ...args], { LIVEGATE_KEK: next.toString('base64'), LIVEGATE_KEK_PREVIOUS: env.LIVEGATE_KEK });
      newBox = createSecretBox([next]);
    }
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/1 signing key\(s\) and 1 webhook secret\(s\) re-sealed/);
    expect(newBox.keyId).not.toBe(oldBox.keyId);
    const raw = await backend.rawRows(target);
    for (const value of [JSON.parse(raw.privateJwks[0]).sealed as string, raw.secrets[0]]) {
      expect(value.startsWith(`kek1:${newBox.keyId}:`)).toBe(true);
    }
    expect(() => oldBox.open(raw.secrets[0], 'anything')).toThrow(/not loaded/);

    // A start with the new key alone signs with the same key and signs deliveries with the same secret.
    const after = await app(target, store, newBox);
    expect((await after.services.keyring.signingKey()).kid).toBe(kid);
    const [endpoint] = await store.listAllWebhookEndpoints();
    expect(openWebhookSecret(newBox, endpoint.id, endpoint.secret)).toBe(secret);
  });
});

describe('the data directory is private', () => {
  const mode = (p: string) => statSync(p).mode & 0o777;

  it('creates the directory 0700 and the database, WAL, shared-memory and key files 0600', async () => {
    const dataDir = path.join(root, 'modes-fresh');
    const store = await openStore({ dataDir });
    const built = await buildApp({ config: loadConfig({ dataDir, logLevel: 'silent' }, {}), store, analyzer: false });
    await ensureDefaultTenant(store); // a write, so the WAL exists
    try {
      expect(mode(dataDir)).toBe(0o700);
      for (const file of ['livegate.db', 'livegate.db-wal', 'livegate.db-shm', 'kek.key']) {
        expect(existsSync(path.join(dataDir, file)), file).toBe(true);
        expect(mode(path.join(dataDir, file)), file).toBe(0o600);
      }
    } finally {
      await built.close();
      await store.close();
    }
  });

  it('tightens what an older version left readable, saying so', async () => {
    const dataDir = path.join(root, 'modes-loose');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const db = new DatabaseSync(path.join(dataDir, 'livegate.db'));
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    db.close();
    for (const file of ['livegate.db', 'livegate.db-wal', 'livegate.db-shm']) if (existsSync(path.join(dataDir, file))) chmodSync(path.join(dataDir, file), 0o644);
    expect(mode(path.join(dataDir, 'livegate.db'))).toBe(0o644);

    const notices: string[] = [];
    const store = await openStore({ dataDir, notice: (m) => notices.push(m) });
    await store.close();
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'livegate.db'))).toBe(0o600);
    expect(notices).toContain(`tightened the permissions of ${dataDir} from 0755 to 0700`);
    expect(notices).toContain(`tightened the permissions of ${path.join(dataDir, 'livegate.db')} from 0644 to 0600`);
    for (const file of ['livegate.db-wal', 'livegate.db-shm']) if (existsSync(path.join(dataDir, file))) expect(mode(path.join(dataDir, file)), file).toBe(0o600);
  });

  it('tightens a key file that others can read', () => {
    const dataDir = path.join(root, 'modes-key');
    const first = loadSecretBox({ dataDir }, {});
    expect(first.origin).toMatchObject({ kind: 'file', created: true });
    chmodSync(path.join(dataDir, 'kek.key'), 0o644);
    const notices: string[] = [];
    const again = loadSecretBox({ dataDir }, {}, (m) => notices.push(m));
    expect(again.box.keyId).toBe(first.box.keyId);
    expect(again.origin).toMatchObject({ kind: 'file', created: false });
    expect(mode(path.join(dataDir, 'kek.key'))).toBe(0o600);
    expect(notices).toEqual([`tightened the permissions of ${path.join(dataDir, 'kek.key')} from 0644 to 0600`]);
  });
});

describe('PostgreSQL deployments pass the key-encryption key in', () => {
  const env = { LIVEGATE_KEK: '', LIVEGATE_KEK_FILE: '', LIVEGATE_KEK_PREVIOUS: '' };

  it('`livegate start` refuses without LIVEGATE_KEK or LIVEGATE_KEK_FILE, before connecting', async () => {
    const res = await livegate(['start', '--data', path.join(root, 'pg-nokek'), '--database-url', 'postgres://livegate@127.0.0.1:1/none', '--port', '0'], env);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      'livegate: PostgreSQL deployments need a key-encryption key that every instance shares: set LIVEGATE_KEK to 32 random bytes in base64 (`livegate kek generate`), or LIVEGATE_KEK_FILE to a file holding one. Keep it out of the database backups.',
    );
  });

  it('refuses a malformed LIVEGATE_KEK and a missing key file, naming the next step', async () => {
    const bad = await livegate(['start', '--data', path.join(root, 'pg-badkek'), '--database-url', 'postgres://livegate@127.0.0.1:1/none'], { ...env, LIVEGATE_KEK: 'too-short' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/LIVEGATE_KEK is not a key-encryption key: expected 32 random bytes in base64 \(generate one with `livegate kek generate`/);
    const missing = await livegate(['start', '--database-url', 'postgres://livegate@127.0.0.1:1/none'], { ...env, LIVEGATE_KEK_FILE: path.join(root, 'nope.key') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/The key file .*nope\.key \(LIVEGATE_KEK_FILE\) does not exist/);
  });

  it('`livegate kek generate` prints a usable key', async () => {
    const res = await livegate(['kek', 'generate']);
    expect(res.code).toBe(0);
    expect(Buffer.from(res.stdout.trim(), 'base64')).toHaveLength(32);
  });
});
