// The policy floor: a session's effective policy may only be stricter than its risk level's
// defaults and the tenant's floor. Overrides (inline `policy`, stored policies) that ask for less
// are refused with policy_below_floor naming the field; the agent that creates a session is
// treated as a possible attacker, so it can never weaken what is checked.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { RiskLevelSchema } from '../../workers/protocol/index.ts';
import { AppError } from '../errors.ts';
import { CHECKS, defaultPolicy, IDENTITY_MODES, PolicyConfigSchema, ThresholdsSchema, type CheckName, type FrameCount, type IdentityMode, type PolicyConfig, type Thresholds } from './defaults.ts';

/** Which way a number gets stricter. */
export type Direction = 'higher' | 'lower';

/**
 * The declared direction of every threshold: the one place that says which way is stricter.
 * A threshold added to ThresholdsSchema without an entry here fails the typecheck.
 */
export const THRESHOLD_DIRECTIONS: Record<keyof Thresholds, Direction> = {
  min_score: 'higher',
  pulse_min_snr_z: 'higher',
  cnn_min_live_probability: 'higher',
  light_challenge_min_score: 'higher',
  // A capture whose homography residual is UNDER this value moves as one plane and fails motion:
  // a higher value fails more flat presentations, so higher is stricter despite the "max" name.
  planarity_max_residual: 'higher',
  min_face_present_ratio: 'higher',
};

/** Whole-policy numbers with a direction; max_attempts and timeout_s are not floored (see README). */
export const FIELD_DIRECTIONS = { frame_count: 'higher', capture_duration_ms: 'higher' } as const satisfies Record<string, Direction>;

const RISK_ORDER = { standard: 0, high: 1 } as const;
export type RiskLevel = keyof typeof RISK_ORDER;

export function riskAtLeast(level: RiskLevel, minimum: RiskLevel): boolean {
  return RISK_ORDER[level] >= RISK_ORDER[minimum];
}

/**
 * Identity modes from weakest to strictest: off checks nothing, enroll only stores, enroll_or_match
 * compares once enrolled, match demands a matching template (a mismatch is a spoof).
 */
const IDENTITY_ORDER: Record<IdentityMode, number> = { off: 0, enroll: 1, enroll_or_match: 2, match: 3 };

export function identityAtLeast(mode: IdentityMode | undefined, minimum: IdentityMode): boolean {
  return IDENTITY_ORDER[mode ?? 'off'] >= IDENTITY_ORDER[minimum];
}

const stricterIdentity = (a: IdentityMode | undefined, b: IdentityMode | undefined): IdentityMode => (identityAtLeast(a, b ?? 'off') ? (a ?? 'off') : (b ?? 'off'));

/** Checks every high-risk session runs, whatever its overrides or stored policy say. */
export const HIGH_RISK_CHECKS: readonly CheckName[] = ['light_challenge', 'cnn'];

/** A tenant's minimums, applied on top of each risk level's defaults (the stricter value wins). */
export const TenantFloorSchema = z
  .object({
    risk_level: RiskLevelSchema.optional().describe('Lowest risk level a session may use; also the default when a session names none'),
    required_checks: z.array(z.enum(CHECKS)).optional().describe('Checks every session must require, on top of its risk level’s'),
    frame_count: PolicyConfigSchema.shape.frame_count.optional().describe('Fewest CNN frames per capture'),
    capture_duration_ms: PolicyConfigSchema.shape.capture_duration_ms.optional().describe('Shortest capture, in milliseconds'),
    thresholds: ThresholdsSchema.partial().strict().optional().describe('Threshold minimums (each in its stricter direction, see THRESHOLD_DIRECTIONS)'),
    identity: z.enum(IDENTITY_MODES).optional().describe('Weakest identity mode a session may use (off < enroll < enroll_or_match < match)'),
  })
  .strict();
export type TenantFloor = z.infer<typeof TenantFloorSchema>;

/** The complete floor of one session: what its effective policy must meet or exceed. */
export interface PolicyFloor {
  risk_level: RiskLevel;
  required_checks: CheckName[];
  frame_count: FrameCount;
  capture_duration_ms: number;
  thresholds: Thresholds;
  identity: IdentityMode;
}

function stricter(direction: Direction, a: number, b: number): number {
  return direction === 'higher' ? Math.max(a, b) : Math.min(a, b);
}

function weaker(direction: Direction, value: number, floor: number): boolean {
  return direction === 'higher' ? value < floor : value > floor;
}

/**
 * The risk level's defaults combined with the tenant's floor, field by field, the stricter way.
 * A level under the tenant's `risk_level` is raised to it (and the session asking for it refused).
 */
export function effectiveFloor(requested: RiskLevel, tenant: TenantFloor = {}): PolicyFloor {
  const riskLevel = tenant.risk_level && !riskAtLeast(requested, tenant.risk_level) ? tenant.risk_level : requested;
  const base = defaultPolicy(riskLevel);
  const thresholds = { ...base.thresholds };
  for (const key of Object.keys(THRESHOLD_DIRECTIONS) as (keyof Thresholds)[]) {
    const own = tenant.thresholds?.[key];
    if (own !== undefined) thresholds[key] = stricter(THRESHOLD_DIRECTIONS[key], thresholds[key], own);
  }
  const checks = new Set<CheckName>([...base.required_checks, ...(tenant.required_checks ?? [])]);
  if (riskLevel === 'high') for (const check of HIGH_RISK_CHECKS) checks.add(check);
  return {
    risk_level: riskLevel,
    required_checks: [...checks],
    frame_count: stricter(FIELD_DIRECTIONS.frame_count, base.frame_count, tenant.frame_count ?? base.frame_count) as FrameCount,
    capture_duration_ms: stricter(FIELD_DIRECTIONS.capture_duration_ms, base.capture_duration_ms, tenant.capture_duration_ms ?? base.capture_duration_ms),
    thresholds,
    identity: tenant.identity ?? 'off',
  };
}

/**
 * Raises a policy to the floor wherever it is weaker (for policies a person with policy:write
 * stored before the floor was raised: the floor wins). Missing checks are appended.
 */
export function liftToFloor(config: PolicyConfig, floor: PolicyFloor): PolicyConfig {
  const checks = new Set<CheckName>([...config.required_checks, ...floor.required_checks]);
  const thresholds = { ...config.thresholds };
  for (const key of Object.keys(THRESHOLD_DIRECTIONS) as (keyof Thresholds)[]) {
    thresholds[key] = stricter(THRESHOLD_DIRECTIONS[key], thresholds[key], floor.thresholds[key]);
  }
  return {
    ...config,
    risk_level: riskAtLeast(config.risk_level, floor.risk_level) ? config.risk_level : floor.risk_level,
    required_checks: [...checks],
    frame_count: stricter(FIELD_DIRECTIONS.frame_count, config.frame_count, floor.frame_count) as FrameCount,
    capture_duration_ms: stricter(FIELD_DIRECTIONS.capture_duration_ms, config.capture_duration_ms, floor.capture_duration_ms),
    thresholds,
    identity: stricterIdentity(config.identity, floor.identity),
  };
}

export interface FloorViolation {
  field: string;
  floor: unknown;
  given: unknown;
}

/** Every field where `config` is weaker than `floor` (empty when it meets the floor). */
export function floorViolations(config: PolicyConfig, floor: PolicyFloor): FloorViolation[] {
  const out: FloorViolation[] = [];
  if (!riskAtLeast(config.risk_level, floor.risk_level)) out.push({ field: 'risk_level', floor: floor.risk_level, given: config.risk_level });
  const missing = floor.required_checks.filter((c) => !config.required_checks.includes(c));
  if (missing.length) out.push({ field: 'required_checks', floor: floor.required_checks, given: config.required_checks });
  for (const field of Object.keys(FIELD_DIRECTIONS) as (keyof typeof FIELD_DIRECTIONS)[]) {
    if (weaker(FIELD_DIRECTIONS[field], config[field], floor[field])) out.push({ field, floor: floor[field], given: config[field] });
  }
  for (const key of Object.keys(THRESHOLD_DIRECTIONS) as (keyof Thresholds)[]) {
    if (weaker(THRESHOLD_DIRECTIONS[key], config.thresholds[key], floor.thresholds[key])) {
      out.push({ field: `thresholds.${key}`, floor: floor.thresholds[key], given: config.thresholds[key] });
    }
  }
  if (!identityAtLeast(config.identity, floor.identity)) out.push({ field: 'identity', floor: floor.identity, given: config.identity ?? 'off' });
  return out;
}

function directionOf(field: string): Direction {
  if (field.startsWith('thresholds.')) return THRESHOLD_DIRECTIONS[field.slice('thresholds.'.length) as keyof Thresholds];
  return (FIELD_DIRECTIONS as Record<string, Direction>)[field] ?? 'higher'; // risk_level: high is stricter
}

/** The policy_below_floor error naming the first weaker field (all of them in details). */
export function belowFloorError(config: PolicyConfig, floor: PolicyFloor, violations: FloorViolation[]): AppError {
  const first = violations[0];
  const what =
    first.field === 'required_checks'
      ? `must include ${floor.required_checks.filter((c) => !config.required_checks.includes(c)).join(', ')}`
      : `may not be ${directionOf(first.field) === 'higher' ? 'lower' : 'higher'} than ${JSON.stringify(first.floor)} (given ${JSON.stringify(first.given)})`;
  return new AppError('policy_below_floor', `${first.field} ${what}: a policy can only make verification stricter than the ${floor.risk_level} risk level's defaults and the tenant's floor.`, {
    details: { field: first.field, floor: first.floor, given: first.given, violations },
  });
}

/** Throws policy_below_floor when `config` is weaker than `floor` anywhere. */
export function assertMeetsFloor(config: PolicyConfig, floor: PolicyFloor): void {
  const violations = floorViolations(config, floor);
  if (violations.length) throw belowFloorError(config, floor, violations);
}

/** The fields of a policy that a floor can bound, as floor minimums. */
export function floorOfPolicy(config: PolicyConfig): TenantFloor {
  return {
    risk_level: config.risk_level,
    required_checks: [...config.required_checks],
    frame_count: config.frame_count,
    capture_duration_ms: config.capture_duration_ms,
    thresholds: { ...config.thresholds },
    ...(config.identity && config.identity !== 'off' ? { identity: config.identity } : {}),
  };
}

/** Combines floors, each field the stricter way. */
export function tightenFloor(...parts: TenantFloor[]): TenantFloor {
  const out: TenantFloor = {};
  for (const part of parts) {
    if (part.risk_level && !(out.risk_level && riskAtLeast(out.risk_level, part.risk_level))) out.risk_level = part.risk_level;
    if (part.required_checks) out.required_checks = [...new Set([...(out.required_checks ?? []), ...part.required_checks])];
    for (const field of Object.keys(FIELD_DIRECTIONS) as (keyof typeof FIELD_DIRECTIONS)[]) {
      const value = part[field];
      if (value !== undefined) (out as Record<string, number>)[field] = out[field] === undefined ? value : stricter(FIELD_DIRECTIONS[field], out[field], value);
    }
    if (part.identity) out.identity = stricterIdentity(out.identity, part.identity);
    for (const [key, value] of Object.entries(part.thresholds ?? {}) as [keyof Thresholds, number][]) {
      out.thresholds ??= {};
      const current = out.thresholds[key];
      out.thresholds[key] = current === undefined ? value : stricter(THRESHOLD_DIRECTIONS[key], current, value);
    }
  }
  return out;
}

/** Hex SHA-256 of the RFC 8785 canonical JSON of the thresholds (carried in the attestation). */
export function thresholdsSha256(thresholds: Thresholds): string {
  const json = canonicalize(thresholds);
  if (json === undefined) throw new TypeError('thresholds cannot be canonicalised');
  return createHash('sha256').update(json, 'utf8').digest('hex');
}
