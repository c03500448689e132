// The keyring on both storage backends: a restart or a second process is another store
// connection on the same database.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint } from 'jose';
import { createKeyring, DEFAULT_RETENTION_GRACE_S } from '../../../server/attestation/keyring.ts';
import { signAttestation } from '../../../server/attestation/sign.ts';
import { verifyAttestation } from '../../../server/attestation/verify.ts';
import type { Store } from '../../../server/store/types.ts';
import { postgresFactory, sqliteFactory, type StoreFactory } from '../store/store-factories.ts';
import { attestationBody, manualClock } from './helpers.ts';
import { testSecrets } from '../../helpers/kek.ts';

const TTL_S = 600;

describe.each<StoreFactory>([sqliteFactory(), postgresFactory()])('keyring on $name', (factory) => {
  // db.open(): the first call hands out the test's store, later calls another connection to
  // the same database; all migrated.
  let db: { open(): Promise<Store> };
  beforeAll(() => factory.setup());
  afterAll(() => factory.teardown());
  beforeEach(async () => {
    const opened = await factory.open();
    let first = true;
    db = {
      async open() {
        const store = first ? opened.store : await opened.second();
        first = false;
        await store.migrate();
        return store;
      },
    };
  });
  afterEach(() => factory.closeAll());

  it('generates one key on first start and keeps its kid across a restart', async () => {
    const first = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S });
    const a = await first.ensureKey();
    expect(await first.ensureKey()).toMatchObject({ kid: a.kid });

    // A restart: a fresh store connection on the same file and a fresh keyring.
    const restarted = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S });
    const b = await restarted.ensureKey();
    expect(b.kid).toBe(a.kid);
    expect((await restarted.jwks()).keys.map((k) => k.kid)).toEqual([a.kid]);
    expect(await (await db.open()).listSigningKeys()).toHaveLength(1);
  });

  it('concurrent ensureKey calls in one process create a single key', async () => {
    const store = await db.open();
    const keyring = createKeyring(store, { secrets: testSecrets(), tokenTtlS: TTL_S });
    const rows = await Promise.all([keyring.ensureKey(), keyring.ensureKey(), keyring.signingKey()]);
    expect(new Set(rows.map((r) => r.kid)).size).toBe(1);
    expect(await store.listSigningKeys()).toHaveLength(1);
  });

  it('publishes an ES256 public JWK whose kid is its RFC 7638 thumbprint, without private members', async () => {
    const keyring = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S });
    await keyring.ensureKey();
    const [jwk] = (await keyring.jwks()).keys;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256'));
  });

  it('rotation publishes the new key before it signs and keeps the old one while its tokens live', async () => {
    const clock = manualClock();
    const keyring = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now });
    const old = await keyring.ensureKey();
    const oldToken = await signAttestation(keyring, { iss: 'https://lg.test', sub: 's1', aud: 'acme', jti: 's1', attestation: attestationBody() });

    const next = await keyring.rotate({ activateInS: 300 });
    expect(next.kid).not.toBe(old.kid);
    // Published at once, but not signing yet.
    expect((await keyring.jwks()).keys.map((k) => k.kid)).toEqual([next.kid, old.kid]);
    expect((await keyring.signingKey()).kid).toBe(old.kid);
    const states = Object.fromEntries((await keyring.describe()).map((d) => [d.kid, d.state]));
    expect(states).toEqual({ [next.kid]: 'pending', [old.kid]: 'active' });

    clock.advance(300_000);
    expect((await keyring.signingKey()).kid).toBe(next.kid);
    const newToken = await signAttestation(keyring, { iss: 'https://lg.test', sub: 's2', aud: 'acme', jti: 's2', attestation: attestationBody() });
    expect(newToken.kid).toBe(next.kid);

    // The old token still verifies against the current JWKS until it expires.
    clock.advance((TTL_S - 300 - 1) * 1000);
    const jwksBeforeExpiry = await keyring.jwks();
    expect(jwksBeforeExpiry.keys.map((k) => k.kid)).toContain(old.kid);
    await expect(verifyAttestation(oldToken.token, { jwks: jwksBeforeExpiry, now: clock.seconds, clockToleranceS: 0 })).resolves.toMatchObject({ jti: 's1' });

    // Once every token the old key could have signed has expired (retired_at + TTL + grace), it goes.
    clock.advance((TTL_S + DEFAULT_RETENTION_GRACE_S + 301) * 1000);
    expect((await keyring.jwks()).keys.map((k) => k.kid)).toEqual([next.kid]);
  });

  it('rotate with activateInS 0 signs with the new key at once', async () => {
    const clock = manualClock();
    const keyring = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now });
    const old = await keyring.ensureKey();
    const next = await keyring.rotate({ activateInS: 0 });
    expect((await keyring.signingKey()).kid).toBe(next.kid);
    expect((await keyring.jwks()).keys.map((k) => k.kid)).toEqual([next.kid, old.kid]);
  });

  it('a second rotation before the first activates supersedes the pending key', async () => {
    const clock = manualClock();
    const keyring = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now });
    const a = await keyring.ensureKey();
    const b = await keyring.rotate({ activateInS: 300 });
    clock.advance(10_000);
    const c = await keyring.rotate({ activateInS: 0 });
    expect((await keyring.signingKey()).kid).toBe(c.kid);
    clock.advance(400_000); // past b's planned activation: b never signs
    expect((await keyring.signingKey()).kid).toBe(c.kid);
    expect((await keyring.describe()).find((d) => d.kid === b.kid)?.state).not.toBe('active');
    expect((await keyring.describe()).find((d) => d.kid === a.kid)?.state).not.toBe('active');
  });

  it('picks up a key rotated by another process once its cache is stale', async () => {
    const clock = manualClock();
    const server = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now, cacheMs: 5_000 });
    const old = await server.ensureKey();
    expect((await server.signingKey()).kid).toBe(old.kid);

    // `livegate keys rotate-signing` in another process: its own store connection.
    const cli = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S, now: clock.now });
    const next = await cli.rotate({ activateInS: 0 });

    clock.advance(1_000); // still within the cache window
    expect((await server.signingKey()).kid).toBe(old.kid);
    clock.advance(5_000);
    expect((await server.signingKey()).kid).toBe(next.kid);
    expect((await server.jwks()).keys.map((k) => k.kid)).toEqual([next.kid, old.kid]);
  });

  it('refuses token lifetimes longer than the key retention allows', async () => {
    const keyring = createKeyring(await db.open(), { secrets: testSecrets(), tokenTtlS: TTL_S });
    const iat = Math.floor(Date.now() / 1000);
    await expect(
      signAttestation(keyring, { iss: 'https://lg.test', sub: 's', aud: 'a', jti: 'j', iat, exp: iat + TTL_S + 1, attestation: attestationBody() }),
    ).rejects.toThrow(/exceeds/);
  });

  it('rejects a non-positive token TTL and a negative activation delay', async () => {
    const store = await db.open();
    expect(() => createKeyring(store, { secrets: testSecrets(), tokenTtlS: 0 })).toThrow(RangeError);
    await expect(createKeyring(store, { secrets: testSecrets(), tokenTtlS: TTL_S }).rotate({ activateInS: -1 })).rejects.toThrow(RangeError);
  });
});
