// Receiver URLs: validated at endpoint creation (so a bad URL fails loudly once instead of
// producing dead deliveries later), and the SSRF guard that keeps tenants from pointing our
// signed POSTs at the server's own network: loopback, private, link-local, CGNAT, ULA,
// unspecified, multicast and reserved addresses, and internal host names. The guard runs at
// registration on the URL itself and again at connect time on every address the name resolves to
// (send.ts connects to exactly the address checked, so DNS rebinding gains nothing).
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.ts';

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const ALLOW_PRIVATE_ENV = 'LIVEGATE_WEBHOOK_ALLOW_PRIVATE';

const URL_HINT = 'Give an absolute http:// or https:// URL of your receiver, e.g. https://example.com/livegate/webhooks.';
const FORBIDDEN_HINT = `Use a public receiver URL. A single-host or private-network setup can allow private receivers with ${ALLOW_PRIVATE_ENV}=1 on the server.`;

/** What the guard may let through. */
export interface AddressPolicy {
  /** LIVEGATE_WEBHOOK_ALLOW_PRIVATE: loopback, private, link-local, CGNAT, ULA and internal names are allowed. */
  allowPrivate: boolean;
}

/** Ranges (ipaddr.js names) that the opt-in may open; everything else that is not unicast never is. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'linkLocal', 'carrierGradeNat', 'uniqueLocal']);

const RANGE_WORDS: Record<string, string> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  uniqueLocal: 'unique local (fc00::/7)',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

/** Why a host name is internal, or null. Names are lower case, without a trailing dot. */
function internalNameReason(name: string): string | null {
  if (name === 'localhost' || name.endsWith('.localhost')) return 'a localhost name';
  for (const suffix of ['.internal', '.local', '.localdomain', '.home.arpa']) {
    if (name.endsWith(suffix)) return `an internal name (*${suffix})`;
  }
  if (!name.includes('.')) return 'a single-label host name (resolved on the internal network)';
  return null;
}

/**
 * Why an IP address may not receive webhooks under `policy`, or null when it may.
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are judged as the IPv4 address they carry.
 */
export function forbiddenAddressReason(address: string, policy: AddressPolicy): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return 'not an IP address';
  }
  let mapped = '';
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
    mapped = ` (IPv4-mapped ${ip.toString()})`;
  }
  const range = ip.range();
  if (range === 'unicast') return null;
  if (policy.allowPrivate && PRIVATE_RANGES.has(range)) return null;
  return `${RANGE_WORDS[range] ?? `special-purpose (${range})`} address${mapped}`;
}

/** Raised by the guard; `reason` is the stable short form for `details`. */
export class ForbiddenWebhookTargetError extends Error {
  readonly code = 'EWEBHOOKFORBIDDEN';
  readonly host: string;
  readonly why: string;
  constructor(host: string, why: string, verb = 'is') {
    super(`${host} ${verb} ${why}; webhooks are not sent to the server's own network (${ALLOW_PRIVATE_ENV}=1 allows private receivers)`);
    this.name = 'ForbiddenWebhookTargetError';
    this.host = host;
    this.why = why;
  }
}

/** The URL's host without brackets and trailing dot, lower case. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host);
}

/**
 * Checks the host of a parsed URL (the WHATWG parser has already turned decimal, hex and octal
 * IPv4 forms such as 2130706433, 0x7f000001 and 0177.0.0.1 into dotted decimal).
 * Throws ForbiddenWebhookTargetError naming why.
 */
export function checkUrlHost(url: URL, policy: AddressPolicy): void {
  const host = urlHost(url);
  if (isIpLiteral(host)) {
    const why = forbiddenAddressReason(host, policy);
    if (why) throw new ForbiddenWebhookTargetError(host, `a ${why}`);
    return;
  }
  if (policy.allowPrivate) return;
  const why = internalNameReason(host);
  if (why) throw new ForbiddenWebhookTargetError(host, why);
}

/** Checks every resolved address of `host`; throws on the first forbidden one. */
export function checkResolvedAddresses(host: string, addresses: readonly string[], policy: AddressPolicy): void {
  if (addresses.length === 0) throw new ForbiddenWebhookTargetError(host, 'no address', 'resolves to');
  for (const address of addresses) {
    const why = forbiddenAddressReason(address, policy);
    if (why) throw new ForbiddenWebhookTargetError(host, `${address}, a ${why}`, 'resolves to');
  }
}

function invalidUrl(message: string, hint = URL_HINT, cause?: unknown): AppError {
  return new AppError('invalid_request', message, { hint, details: { field: 'url' }, cause });
}

/**
 * Returns the normalised URL string or throws AppError: 'invalid_request' for a malformed URL,
 * 'webhook_url_forbidden' for a receiver on an internal address or name (per `policy`).
 */
export function validateWebhookUrl(input: string, policy: AddressPolicy = { allowPrivate: false }): string {
  if (typeof input !== 'string' || input.trim() === '') throw invalidUrl('The webhook URL is empty.');
  if (input.length > MAX_WEBHOOK_URL_LENGTH) {
    throw invalidUrl(`The webhook URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch (cause) {
    throw invalidUrl(`The webhook URL "${input}" is not a valid absolute URL.`, URL_HINT, cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidUrl(`The webhook URL scheme "${url.protocol.replace(/:$/, '')}" is not supported; only http and https are.`);
  }
  // fetch refuses URLs with credentials, and a secret in the URL would end up in logs.
  if (url.username !== '' || url.password !== '') {
    throw invalidUrl(
      'The webhook URL contains a user name or password.',
      'Remove the credentials from the URL; receivers verify deliveries with the signing secret instead.',
    );
  }
  try {
    checkUrlHost(url, policy);
  } catch (err) {
    if (!(err instanceof ForbiddenWebhookTargetError)) throw err;
    throw new AppError('webhook_url_forbidden', `The webhook URL's host ${err.host} is ${err.why}; Livegate does not send webhooks to internal addresses.`, {
      hint: FORBIDDEN_HINT,
      details: { field: 'url', host: err.host, reason: err.why },
    });
  }
  // The fragment is never sent over HTTP; dropping it keeps the stored URL honest.
  url.hash = '';
  return url.toString();
}

/** The URL without query string, for logs (queries sometimes carry tokens). */
export function redactWebhookUrl(input: string): string {
  try {
    const url = new URL(input);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
