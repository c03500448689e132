// A self-signed certificate for localhost and 127.0.0.1, made with openssl for TLS tests.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSigned {
  dir: string;
  cert: string;
  key: string;
}

/** ECDSA P-256, valid `days` from now (tests check expiry by moving their clock past it). */
export async function selfSignedCert(opts: { days?: number; dir?: string; name?: string } = {}): Promise<SelfSigned> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'livegate-tls-'));
  const name = opts.name ?? 'server';
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const days = opts.days ?? 2;
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', String(days)]);
  return { dir, cert, key };
}
