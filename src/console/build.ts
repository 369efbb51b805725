/**
 * Builds the console's page (console/web/, plain TypeScript and DOM, uPlot for charts) into
 * console/dist/ with esbuild, the bundler tsx already brings. Run by `npm install` (prepare),
 * `npm start` and `npm test`, so a checkout needs no other step; the output is not committed.
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../console/', import.meta.url));

export async function buildConsole(): Promise<void> {
  await mkdir(`${root}dist/assets`, { recursive: true });
  await build({
    entryPoints: { app: `${root}web/main.ts` },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outdir: `${root}dist/assets`,
    logLevel: 'warning',
  });
  await copyFile(`${root}web/index.html`, `${root}dist/index.html`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildConsole();
