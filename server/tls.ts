// Direct TLS (--tls-cert/--tls-key, LIVEGATE_TLS_CERT/LIVEGATE_TLS_KEY): the files are read and
// checked once at start (the key opens, matches the certificate, the certificate is in date), so
// a mistake stops the start with one line naming the fix. Also the secure-context rule browsers
// apply before they expose a camera: https, or localhost.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export class TlsError extends Error {
  readonly code = 'tls_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsError';
  }
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

export interface TlsInspection {
  subject: string;
  /** Subject alternative names, e.g. "DNS:livegate.example.com, IP Address:127.0.0.1". */
  altNames: string | undefined;
  validFrom: Date;
  validTo: Date;
  keyMatches: boolean;
}

export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TlsError(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path given to --tls-${what} (LIVEGATE_TLS_${what.toUpperCase()}) and that this user can read it.`, { cause: err });
    }
  };
  return { cert: read(certFile, 'cert'), key: read(keyFile, 'key') };
}

/** Parses the pair; throws TlsError when either is not PEM the server can use. */
export function inspectTls(material: TlsMaterial): TlsInspection {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.cert);
  } catch (err) {
    throw new TlsError(`the TLS certificate is not a PEM X.509 certificate (${(err as Error).message}); pass the certificate file (fullchain.pem) to --tls-cert.`, { cause: err });
  }
  let keyMatches: boolean;
  try {
    keyMatches = cert.checkPrivateKey(createPrivateKey(material.key));
  } catch (err) {
    throw new TlsError(`the TLS key is not a PEM private key (${(err as Error).message}); pass the unencrypted private key file (privkey.pem) to --tls-key.`, { cause: err });
  }
  return { subject: cert.subject, altNames: cert.subjectAltName, validFrom: new Date(cert.validFrom), validTo: new Date(cert.validTo), keyMatches };
}

/** Reads and checks the pair for `livegate start`: a key that does not match or a certificate out of date stops the start. */
export function loadTls(config: { tlsCert?: string; tlsKey?: string }, now = Date.now()): TlsMaterial | undefined {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  const material = readTlsFiles(config.tlsCert, config.tlsKey);
  const info = inspectTls(material);
  if (!info.keyMatches) throw new TlsError(`the TLS key ${config.tlsKey} does not belong to the certificate ${config.tlsCert}; pass the key the certificate was issued for.`);
  if (info.validTo.getTime() <= now) throw new TlsError(`the TLS certificate ${config.tlsCert} expired on ${info.validTo.toISOString()}; renew it and start again.`);
  if (info.validFrom.getTime() > now) throw new TlsError(`the TLS certificate ${config.tlsCert} is valid only from ${info.validFrom.toISOString()}; check this host's clock or the certificate.`);
  return material;
}

/** Loopback names and addresses: browsers treat them as secure contexts even over plain http. */
export function isLocalhost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Whether a browser opening this URL may use the camera (https, or http on localhost). */
export function isSecureContextUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLocalhost(parsed.hostname));
}

export function insecurePublicUrlWarning(publicUrl: string): string | null {
  if (isSecureContextUrl(publicUrl)) return null;
  return (
    `warning: the public URL ${publicUrl} is neither https nor localhost. Browsers expose the camera only in a secure context, ` +
    'so people opening verification links cannot verify. Serve HTTPS (--tls-cert/--tls-key) or put a TLS reverse proxy in front (docs/DEPLOY.md), and set LIVEGATE_PUBLIC_URL to the https URL.'
  );
}
