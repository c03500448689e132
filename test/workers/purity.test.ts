// Enforces the rule that lets the browser workers and the server share one implementation:
// nothing under workers/ imports Node built-ins, and pure stages touch no DOM. Entry files named
// *.worker.ts may use worker globals (self, postMessage) but still no Node built-ins.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../helpers/source-files.ts';

const root = join(import.meta.dirname, '../..');
const workersDir = join(root, 'workers');

/** Removes comments and string/template contents' line comments so that prose cannot trip the checks. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));

/** Every module specifier: static and dynamic imports, re-exports, require(). */
export function importSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]);
  return specs;
}

export function isNodeBuiltin(spec: string): boolean {
  if (spec.startsWith('node:')) return true;
  return NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0]);
}

/**
 * Runtime-specific globals a file uses, found with the TypeScript checker: an identifier in a
 * value position whose symbol is declared by the DOM/WebWorker libs but not by @types/node
 * (document, window, self, ImageData...) or by @types/node but not the DOM libs (process, Buffer,
 * require, __dirname...). Globals both runtimes have (console, performance, TextDecoder, URL)
 * pass, as do locals that happen to share a name (a `window` parameter, a `process()` method).
 */
export function runtimeGlobalsUsed(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`not in program: ${file}`);
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !isTypePosition(node) && !isMemberName(node)) {
      const symbol = checker.getSymbolAtLocation(node);
      const decls = symbol?.declarations ?? [];
      if (decls.length > 0) {
        const files = decls.map((d) => d.getSourceFile().fileName);
        const inDom = files.some((f) => /lib\.(dom|webworker)[.\w]*\.d\.ts$/.test(f));
        const inNode = files.some((f) => f.includes('/@types/node/'));
        const inUser = files.some((f) => !f.includes('/node_modules/'));
        if (!inUser && inDom !== inNode) found.add(node.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...found].sort();
}

/** `a.b`'s b, `{ b: 1 }`'s b, a method or property declaration's name; but `globalThis.b` counts. */
function isMemberName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return !(ts.isIdentifier(parent.expression) && parent.expression.text === 'globalThis');
  }
  if (ts.isQualifiedName(parent)) return parent.right === node;
  return (ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)
    || ts.isPropertySignature(parent) || ts.isMethodSignature(parent)
    || ts.isGetAccessorDeclaration(parent) || ts.isSetAccessorDeclaration(parent)) && parent.name === node;
}

function isTypePosition(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n)
      || ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return true;
    if (ts.isExpression(n) || ts.isStatement(n)) {
      if (ts.isExpressionWithTypeArguments(n) && n.parent && ts.isHeritageClause(n.parent)
        && n.parent.token === ts.SyntaxKind.ImplementsKeyword) return true;
      return false;
    }
  }
  return false;
}

export function createCheckerProgram(rootNames: string[]): ts.Program {
  return ts.createProgram(rootNames, {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts', 'lib.webworker.importscripts.d.ts'],
    types: ['node'],
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    strict: true,
  });
}

const files = sourceFiles(workersDir, /\.ts$/);
const pure = files.filter((f) => !f.endsWith('.worker.ts'));

// Fixtures for the checker's own test, compiled in the same program (one program: it is slow).
const fixtureDir = mkdtempSync(join(tmpdir(), 'purity-'));
const badFixture = join(fixtureDir, 'bad.ts');
const goodFixture = join(fixtureDir, 'good.ts');
writeFileSync(badFixture, [
  'export const w = window.innerWidth;',
  'export const b = document.body;',
  'export const c = new OffscreenCanvas(1, 1);',
  'export function post(x: number) { self.postMessage(x); }',
  'export const env = process.env.HOME;',
  'export const buf = Buffer.from([1]);',
  'export const hidden = globalThis.process?.env?.HW;',
].join('\n'));
writeFileSync(goodFixture, [
  '// window, document and process only in prose',
  'export function smooth(x: Float64Array, window: number) { return x.length / window; }',
  'export const filter = { process(v: number) { return v; } };',
  'export const o = { document: 1 };',
  'export const t = performance.now() + new TextDecoder().decode(new Uint8Array(0)).length;',
  'export function f(img: ImageData): number { return img.width; }',
  'console.log("document");',
].join('\n'));
const program = createCheckerProgram([...pure, badFixture, goodFixture]);
rmSync(fixtureDir, { recursive: true, force: true });

describe('workers/ purity', () => {
  it('finds the pipeline sources', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s imports no Node built-in', (_name, file) => {
    const offending = importSpecifiers(readFileSync(file, 'utf8')).filter(isNodeBuiltin);
    expect(offending).toEqual([]);
  });

  it.each(pure.map((f) => [relative(root, f), f]))('%s uses no DOM, worker or Node globals', (_name, file) => {
    expect(runtimeGlobalsUsed(program, file)).toEqual([]);
  });
});

describe('purity checks themselves', () => {
  it('catch Node imports in every form', () => {
    const src = [
      "import { readFileSync } from 'node:fs';",
      "import path from \"path\";",
      "export * from 'node:crypto';",
      "const os = await import('os');",
      "const cp = require('child_process');",
      "import 'fs/promises';",
      "import { z } from 'zod';",
      "// import x from 'node:comment'",
    ].join('\n');
    expect(importSpecifiers(src).filter(isNodeBuiltin).sort()).toEqual(
      ['child_process', 'fs/promises', 'node:crypto', 'node:fs', 'os', 'path'].sort(),
    );
  });

  it('catch DOM, worker and Node globals but not locals, properties, types or shared globals', () => {
    expect(runtimeGlobalsUsed(program, badFixture)).toEqual(['Buffer', 'OffscreenCanvas', 'document', 'process', 'self', 'window']);
    expect(runtimeGlobalsUsed(program, goodFixture)).toEqual([]);
  });
});
