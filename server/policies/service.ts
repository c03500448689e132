// Policy CRUD for a tenant: a named, fully resolved PolicyConfig that sessions reference by id.
// The stored config is complete (defaults filled in at creation), so a later change of the
// defaults never silently changes what an existing policy demands.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import { AppError } from '../errors.ts';
import type { PolicyRow, Store } from '../store/types.ts';
import { defaultPolicy, PolicyConfigSchema, PolicyOverridesSchema, type PolicyOverrides } from './defaults.ts';
import { loadTenantFloor, resolveWithinFloor } from './resolve.ts';

export const PolicyNameSchema = z.string().trim().min(1).max(100).describe('A label for the policy, e.g. "payments-high"');

export const CreatePolicyBody = z
  .object({
    name: PolicyNameSchema,
    config: PolicyOverridesSchema.optional().describe('Fields to set; anything left out takes the default of its risk level'),
  })
  .strict();
export type CreatePolicyInput = z.infer<typeof CreatePolicyBody>;

export const UpdatePolicyBody = z
  .object({
    name: PolicyNameSchema.optional(),
    config: PolicyOverridesSchema.optional().describe('Fields to change, merged over the stored policy'),
  })
  .strict();
export type UpdatePolicyInput = z.infer<typeof UpdatePolicyBody>;

export const PolicyView = z.object({
  policy_id: z.string().describe('Pass as `policy` when creating a session'),
  name: z.string(),
  config: PolicyConfigSchema,
  version: z.number().int().describe('1 at creation, +1 on every change; attestations carry it as policy_version'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type PolicyViewT = z.infer<typeof PolicyView>;

function parseOverrides(value: unknown): PolicyOverrides {
  const parsed = PolicyOverridesSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid_request', `config.${issue.path.join('.')}: ${issue.message}`, { details: { issues: parsed.error.issues } });
  }
  return parsed.data;
}

export function policyView(row: PolicyRow): PolicyViewT {
  return {
    policy_id: row.id,
    name: row.name,
    config: PolicyConfigSchema.parse(row.config),
    version: row.version,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;

export function createPolicyService({ store, now = Date.now }: { store: Store; now?: () => number }) {
  async function load(auth: AuthContext, id: string): Promise<PolicyRow> {
    const row = await store.getPolicy(auth.tenantId, id);
    if (!row) throw new AppError('policy_not_found', `No policy "${id}".`);
    return row;
  }

  return {
    async list(auth: AuthContext): Promise<PolicyViewT[]> {
      requireScopeOf(auth, 'session:read');
      return (await store.listPolicies(auth.tenantId)).map(policyView);
    },

    async get(auth: AuthContext, id: string): Promise<PolicyViewT> {
      requireScopeOf(auth, 'session:read');
      return policyView(await load(auth, id));
    },

    async create(auth: AuthContext, input: CreatePolicyInput): Promise<PolicyViewT> {
      requireScopeOf(auth, 'policy:write');
      const overrides = parseOverrides(input.config);
      const tenant = await loadTenantFloor(store, auth.tenantId);
      const config = resolveWithinFloor(defaultPolicy(overrides.risk_level ?? tenant.risk_level ?? 'standard'), overrides, [tenant], 'config.');
      const at = now();
      const row: PolicyRow = {
        id: `pol_${randomBytes(12).toString('base64url')}`,
        tenant_id: auth.tenantId,
        name: input.name.trim(),
        config: config as unknown as Record<string, unknown>,
        version: 1,
        created_at: at,
        updated_at: at,
      };
      await store.insertPolicy(row);
      return policyView(row);
    },

    async update(auth: AuthContext, id: string, input: UpdatePolicyInput): Promise<PolicyViewT> {
      requireScopeOf(auth, 'policy:write');
      const row = await load(auth, id);
      const overrides = parseOverrides(input.config);
      const tenant = await loadTenantFloor(store, auth.tenantId);
      const config = resolveWithinFloor(PolicyConfigSchema.parse(row.config), overrides, [tenant], 'config.');
      const updated = await store.updatePolicy(auth.tenantId, id, config as unknown as Record<string, unknown>, input.name?.trim() ?? row.name, now());
      if (!updated) throw new AppError('policy_not_found', `No policy "${id}".`);
      return policyView(updated);
    },
  };
}
