/**
 * Which quota applies to a (user, client id), in Kafka's order of precedence, and whose usage it is
 * measured against; the fast path with no quota; connection_creation_rate per IP.
 */
import { describe, expect, it } from 'vitest';
import { ClientQuotas } from '../../src/quotas/client-quotas.js';
import { LocalQuotaStore } from '../../src/quotas/quota-store.js';
import type { QuotaEntity } from '../../src/quotas/quota-entity.js';

const W = { samples: 11, windowMs: 1000 };
const ent = (pairs: Record<string, string | null>): QuotaEntity => new Map(Object.entries(pairs));

async function withQuotas(entries: Array<[Record<string, string | null>, Record<string, number>]>): Promise<ClientQuotas> {
  const store = await LocalQuotaStore.open(undefined);
  const q = new ClientQuotas(store, W);
  await store.apply(entries.map(([e, values]) => ({ entity: ent(e), ops: new Map(Object.entries(values)) })));
  return q;
}

describe('quota precedence', () => {
  // One producer_byte_rate per level, each a distinct number naming the level.
  const levels: Array<[Record<string, string | null>, number]> = [
    [{ user: 'u', 'client-id': 'c' }, 1],
    [{ user: 'u', 'client-id': null }, 2],
    [{ user: 'u' }, 3],
    [{ user: null, 'client-id': 'c' }, 4],
    [{ user: null, 'client-id': null }, 5],
    [{ user: null }, 6],
    [{ 'client-id': 'c' }, 7],
    [{ 'client-id': null }, 8],
  ];

  it('picks the most specific level, and each next one once the more specific are removed', async () => {
    const store = await LocalQuotaStore.open(undefined);
    const q = new ClientQuotas(store, W);
    await store.apply(levels.map(([e, v]) => ({ entity: ent(e), ops: new Map([['producer_byte_rate', v]]) })));
    for (const [e, v] of levels) {
      expect(q.produce.resolve('u', 'c')?.bound).toBe(v);
      await store.apply([{ entity: ent(e), ops: new Map([['producer_byte_rate', null]]) }]);
    }
    expect(q.produce.resolve('u', 'c')).toBeNull();
    expect(q.produce.enabled).toBe(false);
  });

  it('a level that sets another key does not hide a less specific level of this key', async () => {
    const q = await withQuotas([
      [{ user: 'u', 'client-id': 'c' }, { consumer_byte_rate: 100 }],
      [{ 'client-id': null }, { producer_byte_rate: 800 }],
    ]);
    expect(q.produce.resolve('u', 'c')?.bound).toBe(800);
    expect(q.fetch.resolve('u', 'c')?.bound).toBe(100);
    expect(q.fetch.resolve('u', 'other')).toBeNull();
  });

  it('a user quota is shared by its client ids; a default client quota applies to each client id on its own', async () => {
    const q = await withQuotas([
      [{ user: 'shared' }, { producer_byte_rate: 1000 }],
      [{ 'client-id': null }, { producer_byte_rate: 1000 }],
    ]);
    // user "shared": two client ids draw from one budget.
    expect(q.produce.recordAndGetThrottleMs('shared', 'a', 8000, 0)).toBe(0);
    expect(q.produce.recordAndGetThrottleMs('shared', 'b', 8000, 0)).toBeGreaterThan(0);
    // default client quota: two client ids of another user each have their own.
    expect(q.produce.recordAndGetThrottleMs('other', 'a', 8000, 0)).toBe(0);
    expect(q.produce.recordAndGetThrottleMs('other', 'b', 8000, 0)).toBe(0);
    expect(q.produce.recordAndGetThrottleMs('other', 'b', 8000, 0)).toBeGreaterThan(0);
  });

  it('records nothing and answers 0 without any quota of the type', async () => {
    const q = await withQuotas([[{ ip: null }, { connection_creation_rate: 5 }]]);
    expect(q.produce.enabled).toBe(false);
    expect(q.produce.recordAndGetThrottleMs('u', 'c', 1e12, 0)).toBe(0);
    expect(q.fetch.maxValueInQuotaWindow('u', 'c')).toBe(Infinity);
  });

  it('caps a fetch at quota × (samples − 1) × window seconds', async () => {
    const q = await withQuotas([[{ 'client-id': 'c' }, { consumer_byte_rate: 1000 }]]);
    expect(q.fetch.maxValueInQuotaWindow('ANONYMOUS', 'c')).toBe(10_000);
  });
});

describe('connection_creation_rate', () => {
  it('a specific IP overrides the default; a refused connection is not counted', async () => {
    const q = await withQuotas([
      [{ ip: null }, { connection_creation_rate: 1 }],
      [{ ip: '10.0.0.1' }, { connection_creation_rate: 100 }],
    ]);
    // Default: 1/s over a 10 s minimum span allows 10 connections at once.
    let accepted = 0;
    for (let i = 0; i < 15; i++) if (q.connections.recordAndGetThrottleMs('10.0.0.2', 0) === 0) accepted++;
    expect(accepted).toBe(10);
    for (let i = 0; i < 50; i++) expect(q.connections.recordAndGetThrottleMs('10.0.0.1', 0)).toBe(0);
  });
});

describe('connection_creation_rate by host name', () => {
  it('an ip entity named by a host name applies to its addresses once resolved', async () => {
    const q = await withQuotas([[{ ip: 'localhost' }, { connection_creation_rate: 1 }]]);
    const deadline = Date.now() + 10_000;
    // Until the lookup is done no quota applies; then 127.0.0.1 has localhost's (1/s: 10 at once over the 10 s span).
    let refusedAt = -1;
    while (refusedAt < 0 && Date.now() < deadline) {
      for (let i = 0; i < 20 && refusedAt < 0; i++) if (q.connections.recordAndGetThrottleMs('127.0.0.1', 0) > 0) refusedAt = i;
      if (refusedAt < 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(refusedAt).toBeGreaterThanOrEqual(0);
    expect(q.connections.recordAndGetThrottleMs('10.9.9.9', 0)).toBe(0);
  });
});
