/**
 * Client quotas in etcd: an alteration through one broker's store reaches every other broker's
 * (the watch), one key per entity named like Kafka's config paths, atomic multi-entity changes,
 * concurrent writers both applied, and a restart reading what is there; each store reads its
 * broker's control state (EtcdControl), with no etcd connection of its own.
 */
import { describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { EtcdQuotaStore } from '../../../src/quotas/etcd-quota-store.js';
import { ClientQuotas } from '../../../src/quotas/client-quotas.js';
import type { QuotaEntity } from '../../../src/quotas/quota-entity.js';
import { silentLogger } from '../../../src/util/logger.js';
import { newPrefix, openBroker, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();
const ent = (pairs: Record<string, string | null>): QuotaEntity => new Map(Object.entries(pairs));
let nextId = 1;
/** A broker's store: over its own control state (one connection and watch per broker, as in a cluster). */
const open = async (prefix: string): Promise<EtcdQuotaStore> => {
  const control = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, nextId++));
  return etcd.closeAfterTest(new EtcdQuotaStore(control, silentLogger));
};

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EtcdQuotaStore', () => {
  it('a change through one broker applies on the others; keys follow Kafka-like paths', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const quotasOnB = new ClientQuotas(b, { samples: 11, windowMs: 1000 });
    await a.apply([
      { entity: ent({ user: 'alice', 'client-id': null }), ops: new Map([['producer_byte_rate', 1024]]) },
      { entity: ent({ 'client-id': 'a/b c' }), ops: new Map([['consumer_byte_rate', 2048]]) },
      { entity: ent({ ip: null }), ops: new Map([['connection_creation_rate', 5]]) },
    ]);
    // The writer sees its own change when apply() returns.
    expect(a.snapshot().size).toBe(3);
    await until('b sees the quotas', () => b.snapshot().size === 3);
    expect(quotasOnB.produce.enabled).toBe(true);
    expect(quotasOnB.produce.resolve('alice', 'any')?.bound).toBe(1024);
    const raw = new Etcd3({ hosts: `http://${etcd.endpoints}` });
    try {
      const keys = (await raw.getAll().prefix(`${prefix}/quotas/`).keys()).sort();
      expect(keys).toEqual([`${prefix}/quotas/clients/a%2Fb%20c`, `${prefix}/quotas/ips/<default>`, `${prefix}/quotas/users/alice/clients/<default>`]);
    } finally {
      raw.close();
    }
    // Removing the last value deletes the key, everywhere.
    await b.apply([{ entity: ent({ ip: null }), ops: new Map([['connection_creation_rate', null]]) }]);
    await until('a sees the removal', () => a.snapshot().size === 2);
    expect(quotasOnB.connections.enabled).toBe(false);
  });

  it('concurrent changes to one entity from two brokers both land', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const e = ent({ user: 'shared' });
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => a.apply([{ entity: e, ops: new Map([[`k${i}`, i + 1]]) }])),
      ...Array.from({ length: 5 }, (_, i) => b.apply([{ entity: e, ops: new Map([[`k${i + 5}`, i + 6]]) }])),
    ]);
    await until('both see ten keys', () => [a, b].every((s) => Object.keys([...s.snapshot().values()][0]?.values ?? {}).length === 10));
  });

  it('a new store reads what is there', async () => {
    const prefix = newPrefix();
    const a = await open(prefix);
    await a.apply([{ entity: ent({ user: null }), ops: new Map([['request_percentage', 12.5]]) }]);
    const later = await open(prefix);
    expect([...later.snapshot().values()].map((x) => [[...x.entity], x.values])).toEqual([[[['user', null]], { request_percentage: 12.5 }]]);
  });
});
