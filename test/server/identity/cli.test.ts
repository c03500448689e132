// `livegate users forget` as a child process against a real SQLite data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultTenant } from '../../../server/bootstrap.ts';
import { l2normalise } from '../../../server/identity/embed.ts';
import { createTemplateService } from '../../../server/identity/templates.ts';
import { openStore } from '../../../server/store/index.ts';
import { livegate } from '../../helpers/cli.ts';
import { testSecrets } from '../../helpers/kek.ts';

describe('livegate users forget', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-forget-'));
    const store = await openStore({ dataDir });
    await ensureDefaultTenant(store);
    const templates = createTemplateService({ store, secrets: testSecrets() });
    for (const user of ['alice', 'alice', 'bob']) {
      await templates.enrol({ tenantId: 'default', userIdentifier: user, sessionId: 's', model: 'mobilefacenet@b7120c09', embeddings: [l2normalise(Float32Array.from({ length: 128 }, (_, i) => i))] });
    }
    await store.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("deletes only that user's templates and says how many", async () => {
    const r = await livegate(['users', 'forget', 'alice', '--data', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ user_identifier: 'alice', templates_deleted: 2 });
    const text = await livegate(['users', 'forget', 'alice', '--data', dataDir]);
    expect(text.stdout).toContain('Deleted 0 face template(s) of "alice"');
    const store = await openStore({ dataDir });
    try {
      expect(await store.listIdentityTemplates('default', 'bob')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
