import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../../workers/signal');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('workers/signal purity', () => {
  it('imports no node: module, no package and touches no DOM global', () => {
    const list = files(root);
    expect(list.length).toBeGreaterThan(10);
    for (const f of list) {
      const src = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const m of src.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)) {
        expect(m[1].startsWith('./') || m[1].startsWith('../'), `${f} imports ${m[1]}`).toBe(true);
      }
      expect(/\b(document|window|navigator|process)\s*\.|\brequire\s*\(/.test(src), `${f} uses a runtime global`).toBe(false);
    }
  });
});
