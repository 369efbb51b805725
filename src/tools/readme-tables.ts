/**
 * The tables in README.md that must not drift from the code: served APIs and versions (from the
 * handler registry) and configuration keys (from src/config/keys.ts). `npm run docs` rewrites
 * them between their markers; test/readme.test.ts fails when README.md is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { handlers } from '../handlers/index.js';
import { apiCodecs } from '../protocol/messages/index.js';
import { KEYS, IGNORED_KEYS } from '../config/keys.js';

export const README = join(dirname(fileURLToPath(import.meta.url)), '../../README.md');

export function apiTable(): string {
  const rows = [...handlers]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => {
      const codec = apiCodecs.get(h.apiKey)!;
      const advertised = `${h.advertisedMinVersion ?? h.minVersion}–${h.maxVersion}`;
      const flex = codec.flexibleMin >= 0 ? `${codec.flexibleMin}+` : 'none';
      return `| ${h.apiKey} | ${codec.name} | ${advertised} | ${flex} | ${h.note ?? ''} |`;
    });
  return ['| key | API | versions | flexible | note |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function configTable(): string {
  const rows = Object.entries(KEYS).map(([k, d]) => `| \`${k}\` | ${d.default === undefined ? '' : `\`${d.default}\``} | ${d.doc} |`);
  return [
    '| key | default | meaning |',
    '|---|---|---|',
    ...rows,
    '',
    `Accepted and ignored (they mean nothing on a single Runnel node): ${[...IGNORED_KEYS].map((k) => `\`${k}\``).join(', ')}.`,
  ].join('\n');
}

const sections: Record<string, () => string> = { apis: apiTable, config: configTable };

export function render(readme: string): string {
  let out = readme;
  for (const [name, fn] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- begin:${name} -->\\n)[\\s\\S]*?(<!-- end:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- begin:${name} --> … <!-- end:${name} --> markers`);
    out = out.replace(re, (_m, begin: string, end: string) => `${begin}${fn()}\n${end}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = readFileSync(README, 'utf8');
  writeFileSync(README, render(current));
}
