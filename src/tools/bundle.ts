/**
 * Bundles the CLI into dist/runnel.mjs (npm install, npm start and npm test run this), so that
 * bin/runnel.js starts plain JavaScript instead of transpiling every source file at each start:
 * measured on the 2-core build machine under load, 4.7-5.6 s to "Runnel started" instead of
 * 12-16 s. Packages stay external (native modules load as before). Chunks (dist/chunk-*.mjs) hold
 * what is imported with import(), so that a single node does not load the cluster's etcd client.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { readdir, rm } from 'node:fs/promises';
import { PACKAGE_ROOT } from '../util/package-root.js';

// Chunks of an earlier build: their names change with their content.
for (const f of await readdir(join(PACKAGE_ROOT, 'dist')).catch(() => [])) if (f.startsWith('chunk-')) await rm(join(PACKAGE_ROOT, 'dist', f));
await build({
  entryPoints: { runnel: join(PACKAGE_ROOT, 'src/cli/main.ts') },
  outdir: join(PACKAGE_ROOT, 'dist'),
  outExtension: { '.js': '.mjs' },
  // Modules imported with import() become chunks loaded when first used, and so do the packages
  // only they import (the etcd client of a cluster, the console's WebSocket server).
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
