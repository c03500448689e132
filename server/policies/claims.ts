// What the attestation says was checked: the session's effective policy, so a relying party can
// require checks or a risk level and tell a strict verification from a lenient one.
import type { SessionRow } from '../store/types.ts';
import type { CheckName, PolicyConfig } from './defaults.ts';
import { thresholdsSha256 } from './floor.ts';

export interface EffectivePolicyClaims {
  required_checks: CheckName[];
  /** Hex SHA-256 of the RFC 8785 canonical JSON of the effective thresholds. */
  thresholds_sha256: string;
  /** The stored policy the session used (null: the risk level's defaults and inline overrides). */
  policy_id: string | null;
  policy_version: number | null;
  capture_duration_ms: number;
  /** Whether the light challenge ran in the analysed capture. */
  light_challenge: boolean;
}

/** The effective-policy fields of a session's attestation. */
export function effectivePolicyClaims(session: Pick<SessionRow, 'policy' | 'policy_id'>, checks: Record<string, unknown>, lightChallengeRan?: boolean): EffectivePolicyClaims {
  const policy = session.policy as unknown as PolicyConfig & { policy_version?: number | null };
  const light = checks.light_challenge;
  return {
    required_checks: [...policy.required_checks],
    thresholds_sha256: thresholdsSha256(policy.thresholds),
    policy_id: session.policy_id,
    policy_version: session.policy_id ? (policy.policy_version ?? null) : null,
    capture_duration_ms: policy.capture_duration_ms,
    light_challenge: lightChallengeRan ?? (typeof light === 'object' && light !== null),
  };
}
