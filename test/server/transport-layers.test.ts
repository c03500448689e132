// The application layer between the transports and the services (server/application): REST routes
// and MCP tools are adapters over it and never import each other; the application imports no
// transport. Cycles anywhere in the tree: test/architecture/dependencies.test.ts.
import { cruise, type ICruiseResult, type IModule } from 'dependency-cruiser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const REST = /^server\/(routes\/|identity\/routes\.ts$)/;
const MCP = /^server\/mcp\//;
const TRANSPORTS = /^server\/(routes\/|mcp\/|identity\/routes\.ts$|app\.ts$|open\.ts$|server\.ts$|index\.ts$|capture\/(routes|page)\.ts$|webhooks\/routes\.ts$)/;

let modules: IModule[];

beforeAll(async () => {
  const result = await cruise(['server'], { baseDir: root, tsPreCompilationDeps: true, doNotFollow: { path: 'node_modules' }, exclude: { path: 'node_modules' } });
  modules = (result.output as ICruiseResult).modules.filter((m) => m.source.startsWith('server/'));
}, 60_000);

function edges(from: RegExp, to: RegExp): string[] {
  return modules.filter((m) => from.test(m.source)).flatMap((m) => m.dependencies.filter((d) => to.test(d.resolved)).map((d) => `${m.source} -> ${d.resolved}`));
}

describe('transports over one application layer', () => {
  it('finds the modules it checks', () => {
    expect(modules.some((m) => REST.test(m.source))).toBe(true);
    expect(modules.some((m) => MCP.test(m.source))).toBe(true);
    expect(modules.some((m) => m.source === 'server/application/services.ts')).toBe(true);
  });

  it('REST routes and MCP never import each other', () => {
    expect(edges(REST, MCP)).toEqual([]);
    expect(edges(MCP, REST)).toEqual([]);
  });

  it('neither imports the app that composes them', () => {
    expect(edges(REST, /^server\/app\.ts$/)).toEqual([]);
    expect(edges(/^server\/mcp\/(?!stdio\.ts$)/, /^server\/(app|open)\.ts$/)).toEqual([]);
  });

  it('the application layer imports no transport', () => {
    expect(edges(/^server\/application\//, TRANSPORTS)).toEqual([]);
  });


  it("MCP uses the SDK's public API only (no private request-handler or tool tables)", () => {
    const patched = modules
      .filter((m) => /^server\/(mcp|observability)\//.test(m.source))
      .filter((m) => /_requestHandlers|_registeredTools|_toolHandlersInitialized/.test(readFileSync(join(root, m.source), 'utf8')))
      .map((m) => m.source);
    expect(patched).toEqual([]);
  });
});
