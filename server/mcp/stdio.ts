// `livegate mcp`: the MCP server over stdio (filled in by the MCP layer).
import type { Config } from '../config.ts';

export interface StdioOptions {
  config: Config;
  url?: string;
}

export async function runStdio(_options: StdioOptions): Promise<void> {
  throw new Error('not implemented yet');
}
