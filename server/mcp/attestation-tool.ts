// verify_attestation: the decision an agent gates on. The text and structuredContent lead with
// PROCEED or DO NOT PROCEED; PROCEED only for a token whose signature and claims verify, whose
// verdict is live, that meets the requested minimums and that its issuer has not revoked.
import { z } from 'zod';
import { attestationShortfall, checkAttestation } from '../attestation/verify.ts';
import { CHECKS } from '../policies/defaults.ts';
import { RiskLevelSchema, VerdictSchema, type Verdict } from '../../workers/protocol/index.ts';
import type { LivegateClient } from './client.ts';

export const VerifyAttestationInput = z
  .object({
    token: z.string().min(1).max(20_000).describe('The attestation JWT (`signature` in get_verification_result)'),
    action_description: z.string().min(1).max(2000).optional().describe('The action about to be executed; its hash must match the token'),
    action_details: z.record(z.string(), z.unknown()).optional().describe('Structured details given at session creation, if any'),
    action_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional().describe('Alternatively, the expected action hash (hex)'),
    audience: z.string().min(1).max(256).optional().describe('Expected aud claim'),
    nonce: z.string().min(1).max(256).optional().describe('Expected nonce (the one given at session creation)'),
    require_checks: z.array(z.enum(CHECKS)).optional().describe('Checks the verification must have required (e.g. ["light_challenge", "cnn"])'),
    require_risk_level: RiskLevelSchema.optional().describe('Lowest acceptable risk level'),
  })
  .strict();
export type VerifyAttestationArgs = z.infer<typeof VerifyAttestationInput>;

export const VerifyAttestationOutput = z.object({
  proceed: z.boolean().describe('true only for a valid, unrevoked, live attestation that meets the requirements: the one field to gate on'),
  decision: z.string().describe('"PROCEED: ..." or "DO NOT PROCEED: ...", the same line the text result starts with'),
  valid: z.boolean().describe('Same as proceed (kept for older clients)'),
  signature_valid: z.boolean().describe('Signature, issuer keys, expiry, audience, action and nonce all verify'),
  verdict: VerdictSchema.optional().describe('The attested verdict (when the token could be read)'),
  revoked: z.boolean().optional().describe('Whether the issuing server revoked it (absent when not asked or it could not answer)'),
  reason: z.string().optional().describe('Stable code of the failed check (verdict_not_live, revoked, expired, action_mismatch, signature_invalid, ...)'),
  message: z.string().optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
});
export type VerifyAttestationResult = z.infer<typeof VerifyAttestationOutput>;

export async function decideAttestation(client: LivegateClient, args: VerifyAttestationArgs): Promise<VerifyAttestationResult> {
  const jwks = await client.jwks();
  const checked = await checkAttestation(args.token, {
    jwks,
    audience: args.audience,
    nonce: args.nonce,
    actionSha256: args.action_sha256,
    action: args.action_description ? { description: args.action_description, details: args.action_details } : undefined,
    allowSpoof: true, // the verdict is judged below, so a spoof still reports that its signature is valid
  });
  if (!checked.valid) {
    const verdict = verdictOf((checked.claims as { attestation?: unknown } | undefined)?.attestation);
    return {
      proceed: false,
      decision: `DO NOT PROCEED: ${checked.reason} (${checked.message})`,
      valid: false,
      signature_valid: false,
      ...(verdict ? { verdict } : {}),
      reason: checked.reason,
      message: checked.message,
      ...(checked.claims ? { claims: checked.claims } : {}),
    };
  }
  const claims = checked.claims as unknown as Record<string, unknown>;
  const attestation = checked.claims.attestation as unknown as Record<string, unknown>;
  const verdict = verdictOf(attestation);
  const refuse = (reason: string, message: string, decision: string, extra: Partial<VerifyAttestationResult> = {}): VerifyAttestationResult => ({
    proceed: false,
    decision: `DO NOT PROCEED: ${decision}`,
    valid: false,
    signature_valid: true,
    ...(verdict ? { verdict } : {}),
    ...extra,
    reason,
    message,
    claims,
  });
  const shortfall = attestationShortfall(attestation, { require: { checks: args.require_checks, riskLevel: args.require_risk_level } });
  if (shortfall) {
    const decision = shortfall.code === 'verdict_not_live' ? `verdict ${String(attestation.verdict)} (signature valid)` : `${shortfall.code} (${shortfall.message})`;
    return refuse(shortfall.code, shortfall.message, decision);
  }
  let status: Awaited<ReturnType<LivegateClient['attestationStatus']>>;
  try {
    status = await client.attestationStatus(checked.claims.jti);
  } catch (err) {
    const message = `could not ask the issuing server whether it was revoked: ${(err as Error).message}`;
    return refuse('revocation_unavailable', message, `${message} (signature valid, verdict live)`);
  }
  if (status.status === 'revoked') {
    return refuse('revoked', `attestation ${checked.claims.jti} was revoked${status.revoked_at ? ` at ${status.revoked_at}` : ''}`, 'attestation revoked (signature valid, verdict live)', { revoked: true });
  }
  if (status.status === 'unknown') {
    const message = `this server has no record of attestation ${checked.claims.jti} for your tenant, so it cannot say whether it was revoked`;
    return refuse('revocation_unavailable', message, `${message} (signature valid)`);
  }
  const level = String(attestation.risk_level);
  const required = Array.isArray(attestation.required_checks) ? ` checks ${(attestation.required_checks as string[]).join(', ')};` : '';
  return {
    proceed: true,
    decision: `PROCEED: verdict live, signature valid, not revoked (risk ${level};${required} score ${String(attestation.score)})`,
    valid: true,
    signature_valid: true,
    verdict: 'live',
    revoked: false,
    claims,
  };
}

function verdictOf(attestation: unknown): Verdict | undefined {
  const v = (attestation as { verdict?: unknown } | undefined)?.verdict;
  return v === 'live' || v === 'spoof' ? v : undefined;
}
