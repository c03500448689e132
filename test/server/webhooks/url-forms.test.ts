// Property: an internal IPv4 address is refused in every way a URL can spell it (dotted, one
// decimal number, hex, octal, IPv4-mapped IPv6), and a public one is accepted in every spelling.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import { validateWebhookUrl } from '../../../server/webhooks/url.ts';

/** Internal ranges as [first octets, prefix length]. */
const INTERNAL: Array<[number[], number]> = [
  [[127], 8],
  [[10], 8],
  [[172, 16], 12],
  [[192, 168], 16],
  [[169, 254], 16],
  [[100, 64], 10],
  [[0], 8],
  [[224], 4],
];

const toInt = (octets: number[]) => octets.reduce((n, o) => n * 256 + o, 0);
const fromInt = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

const internalAddress = fc
  .tuple(fc.constantFrom(...INTERNAL), fc.integer({ min: 0, max: 2 ** 32 - 1 }))
  .map(([[start, prefix], random]) => {
    const base = toInt([...start, 0, 0, 0].slice(0, 4));
    const hostBits = 32 - prefix;
    return fromInt(base + (hostBits === 32 ? random : random % 2 ** hostBits));
  });

/** Public unicast: first octet 1-99 except 10 and 0, a range with no special-purpose block. */
const publicAddress = fc
  .tuple(fc.integer({ min: 11, max: 99 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }))
  .map((octets) => octets as number[]);

function spellings(octets: number[]): string[] {
  const n = toInt(octets);
  return [
    octets.join('.'),
    String(n),
    `0x${n.toString(16)}`,
    octets.map((o) => `0${o.toString(8)}`).join('.'),
    `[::ffff:${octets.join('.')}]`,
    `[::ffff:${((octets[0] << 8) | octets[1]).toString(16)}:${((octets[2] << 8) | octets[3]).toString(16)}]`,
  ];
}

describe('webhook URL guard over every spelling of an address', () => {
  it('refuses internal IPv4 addresses however they are written', () => {
    fc.assert(
      fc.property(internalAddress, (octets) => {
        for (const host of spellings(octets)) {
          let error: unknown = null;
          try {
            validateWebhookUrl(`http://${host}:8080/hooks`);
          } catch (e) {
            error = e;
          }
          expect(error, host).toBeInstanceOf(AppError);
          expect((error as AppError).code, host).toBe('webhook_url_forbidden');
          // Named as the IPv4 address it is, whatever the spelling.
          expect((error as AppError).message, host).toContain(octets.join('.'));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('accepts public IPv4 addresses however they are written, normalised to dotted form', () => {
    fc.assert(
      fc.property(publicAddress, (octets) => {
        for (const host of spellings(octets)) {
          const url = validateWebhookUrl(`http://${host}/hooks`);
          expect(url, host).toMatch(host.startsWith('[') ? /^http:\/\/\[::ffff:/ : new RegExp(`^http://${octets.join('\\.')}/hooks$`));
        }
      }),
      { numRuns: 500 },
    );
  });
});
