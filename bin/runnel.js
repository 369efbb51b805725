#!/usr/bin/env node
// Runs dist/runnel.mjs (the bundle `npm install` builds: src/tools/bundle.ts) when it is newer than
// every source file, else the TypeScript sources through tsx, so that a stale bundle never runs
// and `npx runnel` works without a build step. Source maps are not turned on here: Node 20 reads and
// parses every chunk's map as it loads (~50 ms of a start-up); NODE_OPTIONS=--enable-source-maps
// turns them on for stack traces that name the TypeScript sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/runnel.mjs`;

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(`${root}src`)) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
