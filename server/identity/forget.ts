// Deleting a user's face templates on request (REST, MCP `forget_user`, CLI `livegate users
// forget`): the deletion is audited on each session that enrolled one of them, so the trail of
// those sessions says when and by whom their template went.
import { z } from 'zod';
import type { AuthContext } from '../auth/api-keys.ts';
import { requireScopeOf } from '../auth/api-keys.ts';
import type { Store } from '../store/types.ts';

export const ForgetUserResult = z.object({
  user_identifier: z.string(),
  templates_deleted: z.number().int().describe('Face templates deleted (0: none were stored)'),
});
export type ForgetUserResultView = z.infer<typeof ForgetUserResult>;

export const UserIdentifierParam = z.string().min(1).max(256).describe('Your id for the person, as sent in user_identifier');

export async function forgetUser(
  deps: { store: Store; now?: () => number },
  who: { tenantId: string; by: string; auth?: AuthContext },
  userIdentifier: string,
): Promise<ForgetUserResultView> {
  if (who.auth) requireScopeOf(who.auth, 'session:write');
  const rows = await deps.store.listIdentityTemplates(who.tenantId, userIdentifier);
  const deleted = await deps.store.deleteIdentityTemplates(who.tenantId, userIdentifier);
  const at = (deps.now ?? Date.now)();
  for (const sessionId of new Set(rows.map((r) => r.session_id))) {
    const session = await deps.store.getSession(sessionId);
    if (!session || session.tenant_id !== who.tenantId) continue;
    await deps.store.appendAudit({ session_id: sessionId, tenant_id: who.tenantId, type: 'identity_templates_deleted', at, data: { templates_deleted: deleted, by: who.by } });
  }
  return { user_identifier: userIdentifier, templates_deleted: deleted };
}
