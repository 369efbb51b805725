/**
 * SCRAM credentials in etcd: a credential set through one broker's store authenticates on another
 * (the watch), one key per user and mechanism under <prefix>/scram/ holding salted keys only,
 * removals reaching everyone, and a new store reading what is there.
 */
import { describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { EtcdScramStore } from '../../../src/security/scram/etcd-credential-store.js';
import { lookupCredential } from '../../../src/security/scram/credential-store.js';
import { credentialFromPassword, mechanismByName } from '../../../src/security/scram/scram-formatter.js';
import { silentLogger } from '../../../src/util/logger.js';
import { until } from '../../helpers/until.js';
import { newPrefix, openBroker, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();
let nextId = 1;
const open = async (prefix: string): Promise<EtcdScramStore> => {
  const control = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, nextId++));
  return etcd.closeAfterTest(new EtcdScramStore(control, silentLogger));
};
const SHA512 = mechanismByName('SCRAM-SHA-512')!;
const SHA256 = mechanismByName('SCRAM-SHA-256')!;

describe('EtcdScramStore', () => {
  it('a credential set through one broker is seen by the others; keys hold no password', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const cred = await credentialFromPassword(SHA512, 'alice-secret', 8192);
    await a.apply([
      { user: 'al/ice', mechanism: 'SCRAM-SHA-512', credential: cred },
      { user: 'bob', mechanism: 'SCRAM-SHA-256', credential: await credentialFromPassword(SHA256, 'bob-secret', 4096) },
    ]);
    expect(lookupCredential(a, 'al/ice', 'SCRAM-SHA-512')?.iterations).toBe(8192);
    await until('b sees both users', async () => (b.snapshot().size === 2 ? true : undefined), 10_000);
    expect(lookupCredential(b, 'al/ice', 'SCRAM-SHA-512')?.storedKey.equals(cred.storedKey)).toBe(true);
    const raw = new Etcd3({ hosts: `http://${etcd.endpoints}` });
    try {
      const all = await raw.getAll().prefix(`${prefix}/scram/`).strings();
      expect(Object.keys(all).sort()).toEqual([`${prefix}/scram/SCRAM-SHA-256/bob`, `${prefix}/scram/SCRAM-SHA-512/al%2Fice`]);
      expect(Object.keys(JSON.parse(all[`${prefix}/scram/SCRAM-SHA-512/al%2Fice`])).sort()).toEqual(['iterations', 'salt', 'serverKey', 'storedKey']);
      expect(JSON.stringify(all)).not.toContain('secret');
    } finally {
      raw.close();
    }
    await b.apply([{ user: 'bob', mechanism: 'SCRAM-SHA-256', credential: null }]);
    await until('a sees the removal', async () => (a.snapshot().has('bob') ? undefined : true), 10_000);
    const later = await open(prefix);
    expect([...later.snapshot().keys()]).toEqual(['al/ice']);
  });
});
