import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionSha256, canonicalAction } from '../../../server/attestation/action-hash.ts';

describe('canonicalAction (RFC 8785)', () => {
  it('sorts keys, normalises numbers and leaves no whitespace', () => {
    expect(canonicalAction('Pay', { b: [1.0, 'é', null], a: 1e21, c: { z: true, y: -0 } })).toBe(
      '{"description":"Pay","details":{"a":1e+21,"b":[1,"é",null],"c":{"y":0,"z":true}}}',
    );
  });

  it('omits details when undefined but keeps an explicit null', () => {
    expect(canonicalAction('Pay')).toBe('{"description":"Pay"}');
    expect(canonicalAction('Pay', null)).toBe('{"description":"Pay","details":null}');
  });
});

describe('actionSha256', () => {
  it('is the hex SHA-256 of the canonical JSON', () => {
    const expected = createHash('sha256').update('{"description":"Pay","details":{"a":1,"b":2}}').digest('hex');
    expect(actionSha256('Pay', { b: 2, a: 1 })).toBe(expected);
  });

  it('does not depend on key order but does on every value', () => {
    const a = actionSha256('Transfer', { to: 'x', amount: 5 });
    expect(actionSha256('Transfer', { amount: 5, to: 'x' })).toBe(a);
    expect(actionSha256('Transfer', { amount: 6, to: 'x' })).not.toBe(a);
    expect(actionSha256('Transfer ', { amount: 5, to: 'x' })).not.toBe(a);
    expect(actionSha256('Transfer')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
