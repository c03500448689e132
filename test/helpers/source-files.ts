// The source files under a folder, node_modules skipped: what the architecture and purity tests read.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function sourceFiles(dir: string, name: RegExp = /\.(ts|mts)$/): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p, name);
    return name.test(e.name) ? [p] : [];
  });
}
