/**
 * Bundles the CLI into dist/runnel.mjs (npm install, npm start and npm test run this), so that
 * bin/runnel.js starts plain JavaScript instead of transpiling every source file at each start:
 * measured on the 2-core build machine under load, 4.7-5.6 s to "Runnel started" instead of
 * 12-16 s. Packages stay external (native modules load as before).
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.js';

await build({
  entryPoints: [join(PACKAGE_ROOT, 'src/cli/main.ts')],
  outfile: join(PACKAGE_ROOT, 'dist/runnel.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
