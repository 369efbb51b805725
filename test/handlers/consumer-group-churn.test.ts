/**
 * The safety property of the consumer group protocol under churn: members join, leave, heartbeat
 * and are slow to revoke, at random (seeded). A partition is never held by two members at once: a
 * member holds what it was told to own plus, until it acknowledges, what it was told to give up.
 * When the churn stops, every partition ends up held by exactly one member.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire, prng } from '../helpers/kafka-wire.js';
import { Member, createTopic, flat, type Owned } from '../helpers/consumer-group.js';

const PARTITIONS = 12;
let broker: Broker;
let admin: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  admin = await KafkaWire.connect(broker.port);
});
afterAll(async () => {
  await admin?.close();
  await broker?.close();
});

interface Client {
  m: Member;
  /** What it really holds: the last assignment plus partitions it has not released yet. */
  holding: Set<string>;
  told: Set<string>;
}

const toOwned = (tps: Iterable<string>): Owned => {
  const by = new Map<string, number[]>();
  for (const tp of tps) {
    const [t, p] = tp.split(':');
    by.set(t, [...(by.get(t) ?? []), Number(p)]);
  }
  return [...by].map(([topicId, partitions]) => ({ topicId, partitions }));
};

for (const assignor of ['uniform', 'range']) {
  describe(`churn with the ${assignor} assignor`, () => {
    it('never lets two members hold a partition, and converges', async () => {
      const topic = `churn-${assignor}`;
      const group = `g-churn-${assignor}`;
      await createTopic(admin, topic, PARTITIONS);
      const rnd = prng(assignor === 'uniform' ? 7 : 11);
      const clients: Client[] = [];
      const check = () => {
        const seen = new Map<string, string>();
        for (const c of clients) for (const tp of c.holding) {
          expect(seen.get(tp), `${tp} held by ${seen.get(tp)} and ${c.m.memberId}`).toBeUndefined();
          seen.set(tp, c.m.memberId);
        }
      };
      const absorb = (c: Client, res: any) => {
        if (res.errorCode !== 0) return;
        if (res.assignment) {
          c.told = new Set(flat(res.assignment.topicPartitions));
          for (const tp of c.told) c.holding.add(tp); // new partitions are used at once
        }
      };
      const beat = async (c: Client, ack: boolean) => {
        if (ack) c.holding = new Set(c.told); // revoke what it was told to give up
        const res = await c.m.send({ topicPartitions: toOwned(c.holding) });
        if (res.errorCode !== 0) {
          // Fenced or unknown: the client drops everything and rejoins.
          c.holding.clear();
          c.told.clear();
          absorb(c, await c.m.join());
          return;
        }
        absorb(c, res);
      };

      for (let step = 0; step < 300; step++) {
        const r = rnd();
        if (clients.length === 0 || (r < 0.1 && clients.length < 6)) {
          const m = await Member.connect(broker.port, group, { topics: [topic], assignor });
          const c: Client = { m, holding: new Set(), told: new Set() };
          clients.push(c);
          absorb(c, await m.join());
        } else if (r < 0.15 && clients.length > 1) {
          const c = clients.splice(Math.floor(rnd() * clients.length), 1)[0];
          await c.m.leave();
          await c.m.close();
        } else {
          const c = clients[Math.floor(rnd() * clients.length)];
          await beat(c, rnd() < 0.6);
        }
        check();
      }
      for (let round = 0; round < 6; round++) for (const c of clients) await beat(c, true);
      check();
      const held = clients.flatMap((c) => [...c.holding]);
      expect(held.length).toBe(PARTITIONS);
      expect(new Set(held).size).toBe(PARTITIONS);
      const counts = clients.map((c) => c.holding.size);
      if (assignor === 'uniform') expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      for (const c of clients) await c.m.close();
    });
  });
}
