// The tenant's policy floor: minimums every session's policy must meet, on top of each risk
// level's defaults. Reading needs session:read; setting it needs policy:write.
import { z } from 'zod';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import { RiskLevelSchema } from '../../workers/protocol/index.ts';
import { AppError } from '../errors.ts';
import type { Store } from '../store/types.ts';
import { CHECKS, ThresholdsSchema } from './defaults.ts';
import { effectiveFloor, TenantFloorSchema, type TenantFloor } from './floor.ts';
import { loadTenantFloor } from './resolve.ts';

const PolicyFloorSchema = z.object({
  risk_level: RiskLevelSchema,
  required_checks: z.array(z.enum(CHECKS)),
  frame_count: z.number().int(),
  capture_duration_ms: z.number().int(),
  thresholds: ThresholdsSchema,
});

export const TenantFloorView = z.object({
  floor: TenantFloorSchema.describe('The minimums this tenant set ({} when none)'),
  effective: z
    .object({ standard: PolicyFloorSchema, high: PolicyFloorSchema })
    .describe("What a session asking for each risk level must meet: the stricter of the level's defaults and the floor (a level under the floor's risk_level shows the floor's level)"),
  updated_at: z.string().nullable(),
});
export type TenantFloorViewT = z.infer<typeof TenantFloorView>;

export function createTenantFloorService({ store, now = Date.now }: { store: Store; now?: () => number }) {
  async function view(tenantId: string): Promise<TenantFloorViewT> {
    const row = await store.getTenantPolicyFloor(tenantId);
    const floor = await loadTenantFloor(store, tenantId);
    return {
      floor,
      effective: { standard: effectiveFloor('standard', floor), high: effectiveFloor('high', floor) },
      updated_at: row ? new Date(row.updated_at).toISOString() : null,
    };
  }

  return {
    async get(auth: AuthContext): Promise<TenantFloorViewT> {
      requireScopeOf(auth, 'session:read');
      return view(auth.tenantId);
    },

    /** Replaces the tenant's floor; an empty object clears it. */
    async set(auth: AuthContext, input: unknown): Promise<TenantFloorViewT> {
      requireScopeOf(auth, 'policy:write');
      const parsed = TenantFloorSchema.safeParse(input ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('invalid_request', `${issue.path.join('.') || '(floor)'}: ${issue.message}`, { details: { issues: parsed.error.issues } });
      }
      const floor: TenantFloor = parsed.data;
      await store.setTenantPolicyFloor({ tenant_id: auth.tenantId, floor: floor as Record<string, unknown>, updated_at: now() });
      return view(auth.tenantId);
    },
  };
}
export type TenantFloorService = ReturnType<typeof createTenantFloorService>;
