/**
 * The single node's SCRAM credential store: changes applied all at once and kept in
 * scram-credentials.json (mode 0600, no password), read back on open; an entry it does not
 * understand is skipped with a warning, an unreadable file stops the open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalScramStore, lookupCredential, SCRAM_FILE } from '../../../src/security/scram/credential-store.js';
import { credentialFromPassword, mechanismByName } from '../../../src/security/scram/scram-formatter.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const dir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'runnel-scram-store-'));
  dirs.push(d);
  return d;
};

describe('LocalScramStore', () => {
  it('keeps credentials across an open, skips what it does not understand', async () => {
    const d = await dir();
    const s = await LocalScramStore.open(d);
    let changes = 0;
    s.onChange(() => changes++);
    const cred = await credentialFromPassword(mechanismByName('SCRAM-SHA-256')!, 'pw-secret', 4096);
    await s.apply([
      { user: 'a', mechanism: 'SCRAM-SHA-256', credential: cred },
      { user: 'b', mechanism: 'SCRAM-SHA-512', credential: cred },
    ]);
    await s.apply([{ user: 'b', mechanism: 'SCRAM-SHA-512', credential: null }]);
    expect(changes).toBe(2);
    expect([...s.snapshot().keys()]).toEqual(['a']);
    const stored = JSON.parse(await readFile(join(d, SCRAM_FILE), 'utf8'));
    stored.push({ user: 'x', mechanism: 'SCRAM-SHA-1', salt: 'AA==', storedKey: 'AA==', serverKey: 'AA==', iterations: 4096 }, { user: 'y' });
    await writeFile(join(d, SCRAM_FILE), JSON.stringify(stored));
    const warnings: string[] = [];
    const again = await LocalScramStore.open(d, (m) => warnings.push(m));
    expect(lookupCredential(again, 'a', 'SCRAM-SHA-256')?.storedKey.equals(cred.storedKey)).toBe(true);
    expect([...again.snapshot().keys()]).toEqual(['a']);
    expect(warnings).toHaveLength(2);

    await writeFile(join(d, SCRAM_FILE), '{not json');
    await expect(LocalScramStore.open(d)).rejects.toThrow(/cannot read/);
  });

  it('without a data directory keeps credentials in memory only', async () => {
    const s = await LocalScramStore.open(undefined);
    await s.apply([{ user: 'm', mechanism: 'SCRAM-SHA-512', credential: await credentialFromPassword(mechanismByName('SCRAM-SHA-512')!, 'pw', 4096) }]);
    expect(lookupCredential(s, 'm', 'SCRAM-SHA-512')?.iterations).toBe(4096);
  });
});
