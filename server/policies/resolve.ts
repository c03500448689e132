// Effective policy resolution under the floor: stored policies, inline overrides and the
// session's explicit fields are merged, every field the caller set must meet the floor (else
// policy_below_floor naming it), and every field left out is raised to the floor.
import type { RiskLevel } from '../../workers/protocol/index.ts';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Store } from '../store/types.ts';
import { defaultPolicy, PolicyConfigSchema, resolvePolicy, type PolicyConfig, type PolicyOverrides } from './defaults.ts';
import { belowFloorError, effectiveFloor, floorOfPolicy, floorViolations, liftToFloor, TenantFloorSchema, tightenFloor, type TenantFloor } from './floor.ts';

const URL_FIELDS = ['success_redirect_url', 'failure_redirect_url'] as const;

/** The page redirects people to these URLs and the server posts to the webhook: http(s) only. */
export function checkPolicyUrls(config: Pick<PolicyConfig, (typeof URL_FIELDS)[number]>, prefix = ''): void {
  for (const field of URL_FIELDS) {
    const value = config[field];
    if (value === null || value === undefined) continue;
    let protocol: string;
    try {
      protocol = new URL(value).protocol;
    } catch {
      throw new AppError('invalid_request', `${prefix}${field}: not a valid URL.`, { details: { field } });
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new AppError('invalid_request', `${prefix}${field}: only http and https URLs are allowed, not "${protocol.replace(/:$/, '')}".`, {
        details: { field },
      });
    }
  }
}

/** Names of the fields an override sets (thresholds one by one: `thresholds.min_score`). */
function givenFields(overrides: PolicyOverrides): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (key !== 'thresholds') {
      out.add(key);
      continue;
    }
    for (const [t, v] of Object.entries(value as object)) if (v !== undefined) out.add(`thresholds.${t}`);
  }
  return out;
}

/**
 * Merges `overrides` over `base` within the floor made of `floors` (tenant floor, and for a
 * session on a stored policy that policy itself) plus the risk level's defaults. A weaker value
 * the caller set is refused; a weaker value it did not set (a stored policy older than the floor)
 * is raised to the floor.
 */
export function resolveWithinFloor(base: PolicyConfig, overrides: PolicyOverrides, floors: TenantFloor[], prefix = 'policy.'): PolicyConfig {
  let merged: PolicyConfig;
  try {
    merged = resolvePolicy(base, overrides);
  } catch (err) {
    const issue = (err as z.ZodError).issues?.[0];
    throw new AppError('invalid_request', issue ? `${prefix}${issue.path.join('.')}: ${issue.message}` : 'The policy is invalid.');
  }
  const combined = tightenFloor(...floors);
  const floor = effectiveFloor(merged.risk_level, combined);
  const given = givenFields(overrides);
  const violations = floorViolations(merged, floor).filter((v) => given.has(v.field));
  if (violations.length) throw belowFloorError(merged, floor, violations);
  checkPolicyUrls(merged, prefix);
  return PolicyConfigSchema.parse(liftToFloor(merged, floor));
}

/** The tenant's stored floor ({} when none is set). */
export async function loadTenantFloor(store: Store, tenantId: string): Promise<TenantFloor> {
  const row = await store.getTenantPolicyFloor(tenantId);
  if (!row) return {};
  const parsed = TenantFloorSchema.safeParse(row.floor);
  // A floor the current schema cannot read must not silently vanish: refuse until it is set again.
  if (!parsed.success) throw new AppError('internal_error', `The stored policy floor of tenant ${tenantId} is unreadable.`);
  return parsed.data;
}

export interface SessionPolicyInput {
  risk_level?: RiskLevel;
  frame_count?: number;
  timeout?: number;
  policy?: string | PolicyOverrides;
}

export interface ResolvedSessionPolicy {
  policy: PolicyConfig;
  policyId: string | null;
  policyVersion: number | null;
}

/**
 * A session's effective policy: the stored policy it names (or the defaults of its risk level,
 * the tenant floor's level when it names none), then its inline overrides, then its explicit
 * fields. On a stored policy the overrides may only tighten that policy too.
 */
export async function resolveSessionPolicy(store: Store, tenantId: string, input: SessionPolicyInput): Promise<ResolvedSessionPolicy> {
  const tenant = await loadTenantFloor(store, tenantId);
  let base = defaultPolicy(tenant.risk_level ?? 'standard');
  let policyId: string | null = null;
  let policyVersion: number | null = null;
  const floors: TenantFloor[] = [tenant];
  let inline: PolicyOverrides = {};
  if (typeof input.policy === 'string') {
    const stored = await store.getPolicy(tenantId, input.policy);
    if (!stored) throw new AppError('policy_not_found', `No policy "${input.policy}".`);
    const config = resolvePolicy(defaultPolicy((stored.config.risk_level as RiskLevel) ?? 'standard'), stored.config as PolicyOverrides);
    base = liftToFloor(config, effectiveFloor(config.risk_level, tenant));
    floors.push(floorOfPolicy(base));
    policyId = stored.id;
    policyVersion = stored.version;
  } else if (input.policy) {
    inline = input.policy;
    if (inline.branding !== undefined) {
      throw new AppError('invalid_request', 'policy.branding: the page\'s branding is set on a stored policy (POST /v1/policies), not per session.', { details: { field: 'branding' } });
    }
  }
  const overrides: PolicyOverrides = { ...inline };
  if (input.risk_level) overrides.risk_level = input.risk_level;
  if (input.frame_count) overrides.frame_count = input.frame_count as PolicyConfig['frame_count'];
  if (input.timeout) overrides.timeout_s = input.timeout;
  return { policy: resolveWithinFloor(base, overrides, floors), policyId, policyVersion };
}
