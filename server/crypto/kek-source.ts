// Where the key-encryption key comes from: LIVEGATE_KEK (base64, 32 bytes; the same on every
// instance of a PostgreSQL deployment), or a key file (LIVEGATE_KEK_FILE, or <data>/kek.key created
// 0600 on the first embedded start). LIVEGATE_KEK_PREVIOUS (comma-separated) and extra lines of a
// key file are older keys, only for opening values sealed before a rotation.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, readEnvSecret } from '../config.ts';
import { createSecretBox, generateKek, KekError, parseKek, type SecretBox } from './kek.ts';

export const KEK_FILE_NAME = 'kek.key';

export interface KekSource {
  box: SecretBox;
  /** Every loaded key, the sealing one first (the key file's, then LIVEGATE_KEK_PREVIOUS). */
  keys: Buffer[];
  /** Where the sealing key came from. */
  origin: { kind: 'env' } | { kind: 'file'; path: string; created: boolean };
}

export type Notice = (message: string) => void;

/** The keys of a key file, newest first: base64 lines; blank lines and # comments ignored. */
export function readKeyFile(path: string): Buffer[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new KekError('kek_invalid', `the key file ${path} holds no key`);
  return lines.map((line, i) => parseKek(line, `line ${i + 1} of the key file ${path}`));
}

/** Replaces a key file atomically (a temporary file, fsync, rename), mode 0600. */
export function writeKeyFile(path: string, keys: readonly Uint8Array[]): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `# Livegate key-encryption keys, newest first. Keep a copy apart from the database backups.\n${keys.map((k) => Buffer.from(k).toString('base64')).join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Makes `path` 0600 when group or others may read it; says so. */
export function tightenFile(path: string, notice?: Notice): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    notice?.(`tightened the permissions of ${path} from ${mode.toString(8).padStart(4, '0')} to 0600`);
  }
}

/** Creates the default key file once (exclusive create: two processes starting at once agree). */
function ensureDefaultKeyFile(path: string, notice?: Notice): boolean {
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `# Livegate key-encryption key. Keep a copy apart from the database backups.\n${generateKek().toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  notice?.(`created the key-encryption key file ${path} (0600); keep a copy of it apart from the database backups: without it the signing keys and webhook secrets cannot be read`);
  return true;
}

function source(keys: Buffer[], origin: KekSource['origin']): KekSource {
  return { box: createSecretBox(keys), keys, origin };
}

/** Loads the key-encryption keys for `config`; ConfigError (one clear message) when it cannot. */
export function loadSecretBox(config: { dataDir: string; databaseUrl?: string; kekFile?: string }, env: NodeJS.ProcessEnv = process.env, notice?: Notice): KekSource {
  try {
    const fromEnv = readEnvSecret('LIVEGATE_KEK', env);
    const previous = (readEnvSecret('LIVEGATE_KEK_PREVIOUS', env) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s, i) => parseKek(s, `key ${i + 1} of LIVEGATE_KEK_PREVIOUS`));
    if (fromEnv !== undefined) {
      if (config.kekFile) throw new ConfigError('Set either LIVEGATE_KEK or LIVEGATE_KEK_FILE, not both.');
      return source([parseKek(fromEnv, 'LIVEGATE_KEK'), ...previous], { kind: 'env' });
    }
    if (config.kekFile) {
      if (!existsSync(config.kekFile)) {
        throw new ConfigError(`The key file ${config.kekFile} (LIVEGATE_KEK_FILE) does not exist. Create it with \`livegate kek generate > ${config.kekFile}\` (mode 0600), the same file for every instance.`);
      }
      tightenFile(config.kekFile, notice);
      return source([...readKeyFile(config.kekFile), ...previous], { kind: 'file', path: config.kekFile, created: false });
    }
    if (config.databaseUrl) {
      throw new ConfigError(
        'PostgreSQL deployments need a key-encryption key that every instance shares: set LIVEGATE_KEK to 32 random bytes in base64 (`livegate kek generate`), or LIVEGATE_KEK_FILE to a file holding one. Keep it out of the database backups.',
      );
    }
    const path = join(config.dataDir, KEK_FILE_NAME);
    const created = ensureDefaultKeyFile(path, notice);
    tightenFile(path, notice);
    return source([...readKeyFile(path), ...previous], { kind: 'file', path, created });
  } catch (err) {
    if (err instanceof KekError) throw new ConfigError(err.message);
    throw err;
  }
}
