/**
 * Handlers talk to ports (BrokerServices in src/handlers/types.ts, src/ports/, src/partitions/),
 * never to the subsystems behind them: no file under src/handlers/ imports from src/storage/,
 * src/groups/ or src/transactions/. Checked on the import specifiers of every handler source file.
 */
import { describe, it, expect } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const FORBIDDEN = ['storage', 'groups', 'transactions'];

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier: static imports and re-exports (also type-only), and dynamic import(). */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) found.push(m[1]);
  for (const m of code.matchAll(/\bimport\s*(?:\(\s*)?['"]([^'"]+)['"]/g)) found.push(m[1]);
  return found;
}

/** The src/ top-level folder a relative specifier resolves into, if any. */
function srcArea(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const rel = relative(SRC, resolve(dirname(file), spec));
  return rel.startsWith('..') ? undefined : rel.split(/[\\/]/)[0];
}

export function forbiddenImports(file: string, code: string): string[] {
  return specifiers(code).filter((s) => FORBIDDEN.includes(srcArea(file, s) ?? ''));
}

describe('architecture: handlers depend on ports only', () => {
  it('the scanner sees static, type-only, re-exported and dynamic imports', () => {
    const f = join(SRC, 'handlers', 'common', 'x.ts');
    const code = [
      "import { a } from '../../storage/log.js';",
      "import type {\n  B,\n} from '../../groups/group-coordinator.js';",
      "export { c } from '../../transactions/legacy-fencing.js';",
      "const d = await import('../../storage/log-manager.js');",
      "import { ok } from '../../partitions/partition-manager.js';",
      "import { fine } from '../types.js';",
    ].join('\n');
    expect(forbiddenImports(f, code)).toEqual(['../../storage/log.js', '../../groups/group-coordinator.js', '../../transactions/legacy-fencing.js', '../../storage/log-manager.js']);
  });

  it('no file under src/handlers/ imports from src/storage/, src/groups/ or src/transactions/', async () => {
    const offenders: string[] = [];
    const files = await sources(join(SRC, 'handlers'));
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) for (const s of forbiddenImports(f, await readFile(f, 'utf8'))) offenders.push(`${relative(ROOT, f)}: ${s}`);
    expect(offenders).toEqual([]);
  });

  it('no file under src/console/ (the web console) imports from src/storage/, src/groups/ or src/transactions/ either', async () => {
    const offenders: string[] = [];
    const files = await sources(join(SRC, 'console'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) for (const s of forbiddenImports(f, await readFile(f, 'utf8'))) offenders.push(`${relative(ROOT, f)}: ${s}`);
    expect(offenders).toEqual([]);
  });
});
