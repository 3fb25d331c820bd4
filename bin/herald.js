#!/usr/bin/env node
// The `herald` command: runs the compiled CLI (dist/src/cli/main.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`herald: not built yet. Run \`npm run build\` in ${root} first, then try again.\n`);
  process.exit(2);
}
await import(pathToFileURL(main).href);
