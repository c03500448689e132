// The attestation JWT's shape, shared by the signer and the relying-party verifier (types only).
import type { RiskLevel, Verdict } from '../../workers/protocol/index.ts';

export const ATTESTATION_TYP = 'livegate-attestation+jwt';

/** The `attestation` claim: what get_verification_result returns (ARCHITECTURE.md "Attestation"). */
export interface AttestationBody {
  verdict: Verdict;
  confidence: number;
  score: number;
  risk_level: RiskLevel;
  model_used: string;
  frames_processed: number;
  processing_ms: number;
  action_description: string;
  action_sha256: string;
  verified_at: string;
  expires_at: string;
  user_identifier: string | null;
  checks: Record<string, unknown>;
  /** The effective policy (absent from tokens signed before it was added). */
  required_checks?: string[];
  thresholds_sha256?: string;
  policy_id?: string | null;
  policy_version?: number | null;
  capture_duration_ms?: number;
  light_challenge?: boolean;
  [extra: string]: unknown;
}

export interface AttestationClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  nonce?: string;
  attestation: AttestationBody;
}
