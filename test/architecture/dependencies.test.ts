// The house rules, enforced: dependencies point one way (capture → workers; server → workers and
// models; workers and models never back up), there are no import cycles anywhere (type-only
// imports count: a cycle of types is still a cycle to read), and no source file grows past 400
// lines. REST and MCP as adapters over one application layer: test/server/transport-layers.test.ts.
// docs/ARCHITECTURE.md draws the layers.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cruise, type IForbiddenRuleType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../helpers/source-files.ts';

const root = join(import.meta.dirname, '../..');
const LAYERS = ['server', 'capture', 'workers', 'models'];
const MAX_LINES = 400;

const rules: IForbiddenRuleType[] = [
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  { name: 'workers-stay-pure', severity: 'error', from: { path: '^workers/' }, to: { path: '^(server|capture|models)/' } },
  { name: 'models-stay-below', severity: 'error', from: { path: '^models/' }, to: { path: '^(server|capture|workers)/' } },
  { name: 'capture-uses-workers-only', severity: 'error', from: { path: '^capture/' }, to: { path: '^(server|models)/' } },
];

describe('dependency direction', () => {
  it('has no cycles and no back-arrows between layers or transports', async () => {
    const result = await cruise(LAYERS.map((l) => join(root, l)), {
      validate: true,
      ruleSet: { forbidden: rules },
      tsPreCompilationDeps: true,
      moduleSystems: ['es6'],
      baseDir: root,
      doNotFollow: { path: 'node_modules' },
      exclude: { path: ['node_modules', '^dist/'] },
    }, undefined, { tsConfig: { fileName: join(root, 'tsconfig.json') } });
    const output = result.output as Exclude<typeof result.output, string>;
    expect(output.summary.totalCruised).toBeGreaterThan(150);
    const violations = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle?.length ? ` (${v.cycle.map((c) => (typeof c === 'string' ? c : c.name)).join(' > ')})` : ''}`);
    expect(violations).toEqual([]);
  });

  it('catches a back-arrow when there is one (the rules are live)', async () => {
    const result = await cruise([join(root, 'test/architecture/fixtures')], {
      validate: true,
      ruleSet: { forbidden: [{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } }] },
      tsPreCompilationDeps: true,
      moduleSystems: ['es6'],
      baseDir: root,
    });
    const output = result.output as Exclude<typeof result.output, string>;
    expect(output.summary.violations.map((v) => v.rule.name)).toContain('no-circular');
  });
});

describe('room size', () => {
  it(`keeps every source file under ${MAX_LINES} lines`, () => {
    const big = LAYERS.flatMap((l) => sourceFiles(join(root, l)))
      .map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(big).toEqual([]);
  });
});
