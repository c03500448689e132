// The identity templates' queries (both dialects accept them), kept out of sql-store.ts.
import type { QueryRunner, SqlValue } from './sql-driver.ts';
import type { IdentityTemplateRow, Store } from './types.ts';

const COLUMNS = ['id', 'tenant_id', 'user_identifier', 'embedding', 'model', 'frames', 'session_id', 'created_at'] as const;

function row(r: Record<string, unknown>): IdentityTemplateRow {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    user_identifier: String(r.user_identifier),
    embedding: String(r.embedding),
    model: String(r.model),
    frames: Number(r.frames),
    session_id: String(r.session_id),
    created_at: Number(r.created_at),
  };
}

type Queries = Pick<
  Store,
  'insertIdentityTemplate' | 'listIdentityTemplates' | 'deleteIdentityTemplates' | 'deleteIdentityTemplatesBefore' | 'listAllIdentityTemplates' | 'setIdentityTemplateEmbedding'
>;

export function identityTemplateQueries({ all, run }: QueryRunner): Queries {
  return {
    async insertIdentityTemplate(template, keep) {
      await run(`INSERT INTO identity_templates (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`, COLUMNS.map((c) => template[c] as SqlValue));
      await run(
        `DELETE FROM identity_templates WHERE tenant_id = ? AND user_identifier = ? AND id NOT IN (
           SELECT id FROM identity_templates WHERE tenant_id = ? AND user_identifier = ? ORDER BY created_at DESC, id DESC LIMIT ?)`,
        [template.tenant_id, template.user_identifier, template.tenant_id, template.user_identifier, keep],
      );
    },
    async listIdentityTemplates(tenantId, userIdentifier) {
      const rows = await all('SELECT * FROM identity_templates WHERE tenant_id = ? AND user_identifier = ? ORDER BY created_at DESC, id DESC', [tenantId, userIdentifier]);
      return rows.map(row);
    },
    deleteIdentityTemplates: (tenantId, userIdentifier) => run('DELETE FROM identity_templates WHERE tenant_id = ? AND user_identifier = ?', [tenantId, userIdentifier]),
    deleteIdentityTemplatesBefore: (before) => run('DELETE FROM identity_templates WHERE created_at < ?', [before]),
    async listAllIdentityTemplates() {
      return (await all('SELECT * FROM identity_templates ORDER BY created_at', [])).map(row);
    },
    async setIdentityTemplateEmbedding(id, embedding) {
      await run('UPDATE identity_templates SET embedding = ? WHERE id = ?', [embedding, id]);
    },
  };
}
