/**
 * The package's root directory, found from this module's location: the same answer from the
 * TypeScript sources (src/...) and from the bundle bin/runnel.js runs (dist/runnel.mjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'runnel') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no runnel package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const PACKAGE_ROOT = find();
