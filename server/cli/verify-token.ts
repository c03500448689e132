// `livegate verify-token <jwt> --jwks <url|file>`: the relying-party check from a shell.
// Exit 0 with the claims on stdout when the token is valid AND attests a live person (a spoof
// verdict is refused unless --allow-spoof); exit 2 with `invalid: <code>: <message>` otherwise.
// With --online URL (or --check-revocation, which asks the token's own issuer) it also asks
// the issuer whether the attestation was revoked (GET /v1/attestations/{jti}, LIVEGATE_API_KEY).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AttestationError, verifyAttestation, type AttestationRequirements, type VerifyOptions } from '../attestation/verify.ts';
import { readEnvSecret } from '../config.ts';
import { CHECKS } from '../policies/defaults.ts';
import { fetchRevoked } from './revocation.ts';

export const EXIT_INVALID = 2;

export interface VerifyTokenFlags {
  jwks: string;
  audience?: string;
  actionSha256?: string;
  nonce?: string;
  issuer?: string;
  clockTolerance?: string;
  allowSpoof?: boolean;
  requireChecks?: string;
  requireRiskLevel?: string;
  requireIdentity?: string;
  online?: string;
  checkRevocation?: boolean;
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
    .option('--allow-spoof', 'accept a validly signed spoof verdict too (default: only live passes)')
    .option('--require-checks <list>', `comma-separated checks the verification must have required (${CHECKS.join(', ')})`)
    .option('--require-risk-level <level>', 'lowest acceptable risk level: standard or high')
    .option('--require-identity <status>', "matched: the face must match the user's enrolled template")
    .option('--online <url>', 'also ask this Livegate whether the attestation was revoked (needs LIVEGATE_API_KEY)')
    .option('--check-revocation', "also ask the token's issuer (its iss) whether it was revoked (needs LIVEGATE_API_KEY)")
    .action(async (jwt: string, flags: VerifyTokenFlags) => {
      process.exitCode = await runVerifyToken(jwt, flags);
    });
}

/** The command body, returning the exit code (separate from commander for reuse). */
export async function runVerifyToken(
  jwt: string,
  flags: VerifyTokenFlags,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream; env?: NodeJS.ProcessEnv } = process,
): Promise<number> {
  try {
    const token = (jwt === '-' ? await readAll(io.stdin) : jwt).trim();
    const options: VerifyOptions = { ...(await keySource(flags.jwks)) };
    if (flags.audience !== undefined) options.audience = flags.audience;
    if (flags.actionSha256 !== undefined) options.actionSha256 = flags.actionSha256;
    if (flags.nonce !== undefined) options.nonce = flags.nonce;
    if (flags.issuer !== undefined) options.issuer = flags.issuer;
    if (flags.clockTolerance !== undefined) options.clockToleranceS = Number(flags.clockTolerance);
    if (flags.allowSpoof) options.allowSpoof = true;
    options.require = requirements(flags);
    if (flags.online !== undefined || flags.checkRevocation) {
      const apiKey = readEnvSecret('LIVEGATE_API_KEY', io.env ?? {});
      const online = flags.online;
      options.isRevoked = async (jti, claims) => {
        if (!apiKey) throw new Error('LIVEGATE_API_KEY is not set (an API key of the issuing tenant with session:read)');
        return fetchRevoked(online ?? claims.iss, jti, apiKey);
      };
    }
    const claims = await verifyAttestation(token, options);
    io.stdout.write(JSON.stringify(claims, null, 2) + '\n');
    return 0;
  } catch (err) {
    const e = err instanceof AttestationError ? err : new AttestationError('malformed', (err as Error)?.message ?? String(err));
    io.stderr.write(`invalid: ${e.code}: ${e.message}\n`);
    return EXIT_INVALID;
  }
}

function requirements(flags: VerifyTokenFlags): AttestationRequirements {
  const out: AttestationRequirements = {};
  if (flags.requireChecks !== undefined) {
    const list = flags.requireChecks.split(',').map((c) => c.trim()).filter(Boolean);
    const unknown = list.filter((c) => !(CHECKS as readonly string[]).includes(c));
    if (unknown.length) throw new AttestationError('malformed', `--require-checks: unknown check ${unknown.join(', ')} (checks are ${CHECKS.join(', ')})`);
    out.checks = list;
  }
  if (flags.requireRiskLevel !== undefined) {
    if (flags.requireRiskLevel !== 'standard' && flags.requireRiskLevel !== 'high') {
      throw new AttestationError('malformed', '--require-risk-level takes standard or high');
    }
    out.riskLevel = flags.requireRiskLevel;
  }
  if (flags.requireIdentity !== undefined) {
    if (flags.requireIdentity !== 'matched') throw new AttestationError('malformed', '--require-identity takes matched');
    out.identity = { status: 'matched' };
  }
  return out;
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
