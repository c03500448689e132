// Face templates at rest: the normalised mean of a capture's frame embeddings, sealed with the
// key-encryption key (server/crypto/kek.ts) and bound to its row, per (tenant, user_identifier).
// Nothing here returns a template to a caller outside server/identity: comparisons leave only a
// similarity score.
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/kek.ts';
import type { IdentityTemplateRow, Store } from '../store/types.ts';
import { cosine, EMBEDDING_SIZE, meanTemplate } from './embed.ts';

/** Templates kept per user (the newest); a comparison takes the best of them. */
export const TEMPLATES_PER_USER = 5;

export const templateContext = (row: Pick<IdentityTemplateRow, 'id' | 'tenant_id' | 'user_identifier'>) =>
  `identity_templates.embedding:${row.id}:${row.tenant_id}:${row.user_identifier}`;

function sealEmbedding(box: SecretBox, row: Pick<IdentityTemplateRow, 'id' | 'tenant_id' | 'user_identifier'>, embedding: Float32Array): string {
  return box.seal(Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength).toString('base64'), templateContext(row));
}

function openEmbedding(box: SecretBox, row: IdentityTemplateRow): Float32Array {
  const bytes = Buffer.from(box.open(row.embedding, templateContext(row)), 'base64');
  if (bytes.length !== EMBEDDING_SIZE * 4) throw new Error(`identity template ${row.id} has ${bytes.length} bytes, expected ${EMBEDDING_SIZE * 4}`);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export interface Comparison {
  /** Templates compared against. */
  count: number;
  /** Best cosine similarity over them (null without templates). */
  similarity: number | null;
}

export interface TemplateService {
  /** Stores the mean of `embeddings` as a new template of the user. */
  enrol(input: { tenantId: string; userIdentifier: string; sessionId: string; model: string; embeddings: Float32Array[] }): Promise<void>;
  /** Compares the mean of `embeddings` with every template of the user made by `model`. */
  compare(tenantId: string, userIdentifier: string, model: string, embeddings: Float32Array[]): Promise<Comparison>;
  /** Deletes every template of the user; returns how many. */
  forget(tenantId: string, userIdentifier: string): Promise<number>;
  /** Deletes templates older than `retentionS`; returns how many. */
  sweep(retentionS: number): Promise<number>;
  /** Re-seals templates not sealed under the current key; returns how many. */
  reseal(): Promise<number>;
}

export function createTemplateService(options: { store: Store; secrets: SecretBox; now?: () => number }): TemplateService {
  const { store, secrets } = options;
  const now = options.now ?? Date.now;
  return {
    async enrol({ tenantId, userIdentifier, sessionId, model, embeddings }) {
      const id = randomUUID();
      const key = { id, tenant_id: tenantId, user_identifier: userIdentifier };
      await store.insertIdentityTemplate(
        { ...key, embedding: sealEmbedding(secrets, key, meanTemplate(embeddings)), model, frames: embeddings.length, session_id: sessionId, created_at: now() },
        TEMPLATES_PER_USER,
      );
    },
    async compare(tenantId, userIdentifier, model, embeddings) {
      const rows = (await store.listIdentityTemplates(tenantId, userIdentifier)).filter((r) => r.model === model);
      if (rows.length === 0 || embeddings.length === 0) return { count: rows.length, similarity: null };
      const probe = meanTemplate(embeddings);
      let best = -1;
      for (const row of rows) best = Math.max(best, cosine(probe, openEmbedding(secrets, row)));
      return { count: rows.length, similarity: best };
    },
    forget: (tenantId, userIdentifier) => store.deleteIdentityTemplates(tenantId, userIdentifier),
    sweep: (retentionS) => store.deleteIdentityTemplatesBefore(now() - retentionS * 1000),
    async reseal() {
      let n = 0;
      for (const row of await store.listAllIdentityTemplates()) {
        if (secrets.sealedWith(row.embedding) === secrets.keyId) continue;
        await store.setIdentityTemplateEmbedding(row.id, sealEmbedding(secrets, row, openEmbedding(secrets, row)));
        n++;
      }
      return n;
    },
  };
}
