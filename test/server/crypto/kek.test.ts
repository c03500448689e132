// The sealing primitive: AES-256-GCM under the key-encryption key, a versioned envelope naming the
// key, values bound to the row they belong to.
import { describe, expect, it } from 'vitest';
import { createSecretBox, generateKek, KekError, kekId, openOrLegacy, parseKek } from '../../../server/crypto/kek.ts';

describe('key-encryption key', () => {
  const key = generateKek();
  const box = createSecretBox([key]);

  it('seals into a kek1 envelope naming the key, different every time, and opens it back', () => {
    const a = box.seal('whsec_secret', 'webhook_endpoints.secret:wh_1');
    const b = box.seal('whsec_secret', 'webhook_endpoints.secret:wh_1');
    expect(a).toMatch(new RegExp(`^kek1:${kekId(key)}:[A-Za-z0-9_-]+$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain('whsec_secret');
    expect(box.open(a, 'webhook_endpoints.secret:wh_1')).toBe('whsec_secret');
    expect(box.sealedWith(a)).toBe(box.keyId);
    expect(box.sealedWith('whsec_plain')).toBeNull();
  });

  it('refuses a value moved to another row or altered', () => {
    const sealed = box.seal('whsec_secret', 'webhook_endpoints.secret:wh_1');
    expect(() => box.open(sealed, 'webhook_endpoints.secret:wh_2')).toThrow(expect.objectContaining({ code: 'kek_open_failed' }));
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => box.open(flipped, 'webhook_endpoints.secret:wh_1')).toThrow(KekError);
    expect(() => box.open('kek1:0123456789abcdef:AAAA', 'x')).toThrow(/not loaded/);
  });

  it('opens values sealed under an older key it was given, and seals with the first', () => {
    const older = generateKek();
    const sealedOld = createSecretBox([older]).seal('v', 'c');
    const rotated = createSecretBox([key, older]);
    expect(rotated.open(sealedOld, 'c')).toBe('v');
    expect(rotated.sealedWith(rotated.seal('v', 'c'))).toBe(kekId(key));
    expect(() => box.open(sealedOld, 'c')).toThrow(/sealed with key-encryption key [0-9a-f]{16}, which is not loaded.*LIVEGATE_KEK_PREVIOUS/);
  });

  it('passes plaintext from before encryption through openOrLegacy, never a broken envelope', () => {
    expect(openOrLegacy(box, 'whsec_old', 'c')).toBe('whsec_old');
    expect(() => openOrLegacy(box, 'kek1:broken', 'c')).toThrow(KekError);
  });

  it('accepts only 32 bytes of base64', () => {
    expect(parseKek(key.toString('base64'), 'LIVEGATE_KEK')).toEqual(key);
    expect(parseKek(key.toString('base64url'), 'LIVEGATE_KEK')).toEqual(key);
    for (const bad of ['', 'short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!!']) {
      expect(() => parseKek(bad, 'LIVEGATE_KEK')).toThrow(/LIVEGATE_KEK is not a key-encryption key: expected 32 random bytes in base64/);
    }
  });
});
