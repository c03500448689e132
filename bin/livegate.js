#!/usr/bin/env node
// The `livegate` command. Node >= 22.12 runs the TypeScript sources directly (type stripping).
import '../server/cli.ts';
