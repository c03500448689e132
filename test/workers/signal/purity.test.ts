import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../helpers/source-files.ts';

const root = join(import.meta.dirname, '../../../workers/signal');

describe('workers/signal purity', () => {
  it('imports no node: module, no package and touches no DOM global', () => {
    const list = sourceFiles(root, /\.ts$/);
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
