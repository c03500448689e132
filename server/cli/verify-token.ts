// `livegate verify-token <jwt> --jwks <url|file>`: the relying-party check from a shell.
// Exit 0 with the claims on stdout when valid; exit 2 with `invalid: <code>: <message>` otherwise.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AttestationError, verifyAttestation, type VerifyOptions } from '../attestation/verify.ts';

export const EXIT_INVALID = 2;

export interface VerifyTokenFlags {
  jwks: string;
  audience?: string;
  actionSha256?: string;
  nonce?: string;
  issuer?: string;
  clockTolerance?: string;
}

export function register(program: Command): void {
  program
    .command('verify-token')
    .description('verify a Livegate attestation JWT against a JWKS (URL or file)')
    .argument('<jwt>', 'the attestation token ("-" reads it from stdin)')
    .requiredOption('--jwks <url|file>', 'JWKS URL (e.g. https://livegate.example/.well-known/jwks.json) or a JSON file')
    .option('--audience <aud>', 'expected audience')
    .option('--action-sha256 <hex>', 'expected action hash')
    .option('--nonce <nonce>', 'expected nonce')
    .option('--issuer <url>', 'expected issuer')
    .option('--clock-tolerance <seconds>', 'allowed clock skew in seconds')
    .action(async (jwt: string, flags: VerifyTokenFlags) => {
      process.exitCode = await runVerifyToken(jwt, flags);
    });
}

/** The command body, returning the exit code (separate from commander for reuse). */
export async function runVerifyToken(
  jwt: string,
  flags: VerifyTokenFlags,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream } = process,
): Promise<number> {
  try {
    const token = (jwt === '-' ? await readAll(io.stdin) : jwt).trim();
    const options: VerifyOptions = { ...(await keySource(flags.jwks)) };
    if (flags.audience !== undefined) options.audience = flags.audience;
    if (flags.actionSha256 !== undefined) options.actionSha256 = flags.actionSha256;
    if (flags.nonce !== undefined) options.nonce = flags.nonce;
    if (flags.issuer !== undefined) options.issuer = flags.issuer;
    if (flags.clockTolerance !== undefined) options.clockToleranceS = Number(flags.clockTolerance);
    const claims = await verifyAttestation(token, options);
    io.stdout.write(JSON.stringify(claims, null, 2) + '\n');
    return 0;
  } catch (err) {
    const e = err instanceof AttestationError ? err : new AttestationError('malformed', (err as Error)?.message ?? String(err));
    io.stderr.write(`invalid: ${e.code}: ${e.message}\n`);
    return EXIT_INVALID;
  }
}

async function keySource(jwks: string): Promise<Pick<VerifyOptions, 'jwks' | 'jwksUrl'>> {
  if (/^https?:\/\//i.test(jwks)) return { jwksUrl: jwks };
  let text: string;
  try {
    text = await readFile(jwks, 'utf8');
  } catch (err) {
    throw new AttestationError('jwks_unavailable', `cannot read JWKS file ${jwks}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) throw new Error('no "keys" array');
    return { jwks: parsed as NonNullable<VerifyOptions['jwks']> };
  } catch (err) {
    throw new AttestationError('jwks_unavailable', `JWKS file ${jwks} is not a JWKS: ${(err as Error).message}`, { cause: err });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}
