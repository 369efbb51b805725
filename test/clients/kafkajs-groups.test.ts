/**
 * Consumer groups with a real client (kafkajs): members joining and leaving at random must always
 * end with every partition owned by exactly one live member, and committed offsets must carry a
 * group's progress from one member to the next.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';

let broker: Broker;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'num.partitions': 6, 'group.min.session.timeout.ms': 1000 } });
  kafka = new Kafka({ clientId: 'groups-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'churn', numPartitions: 6 }, { topic: 'progress', numPartitions: 3 }] });
  await admin.disconnect();
});
afterAll(async () => {
  await broker?.close();
});

interface Live {
  consumer: Consumer;
  owned: Set<number>;
}

async function member(group: string, topic: string, onMessage?: (value: string) => void): Promise<Live> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 5000, maxWaitTimeInMs: 100 });
  const live: Live = { consumer, owned: new Set() };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    live.owned = new Set((e.payload.memberAssignment[topic] ?? []) as number[]);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => onMessage?.(message.value!.toString()) });
  return live;
}

async function settled(members: Live[], partitions: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const owners = new Map<number, number>();
    for (const m of members) for (const p of m.owned) owners.set(p, (owners.get(p) ?? 0) + 1);
    const ok = owners.size === partitions && [...owners.values()].every((n) => n === 1);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(members.map((m) => [...m.owned]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kafkajs consumer groups against Runnel', () => {
  it('members join and leave at random; every partition ends owned by exactly one live member', async () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const live: Live[] = [await member('churn-group', 'churn')];
    await settled(live, 6);
    for (let step = 0; step < 8; step++) {
      if (live.length < 2 || (rnd() < 0.6 && live.length < 5)) live.push(await member('churn-group', 'churn'));
      else {
        const [gone] = live.splice(Math.floor(rnd() * live.length), 1);
        await gone.consumer.disconnect();
      }
      await settled(live, 6);
    }
    expect(live.length).toBeGreaterThan(0);
    for (const m of live) await m.consumer.disconnect();
  }, 120_000);

  it('a new member resumes from the committed offsets: nothing committed is read again, nothing is lost', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'progress', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: `first-${i}` })) });
    const seen: string[] = [];
    const first = await member('progress-group', 'progress', (v) => seen.push(v));
    const until = async (n: number) => {
      const deadline = Date.now() + 20_000;
      while (seen.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    await until(30);
    expect(seen.length).toBe(30);
    await first.consumer.disconnect(); // commits what it processed
    await producer.send({ topic: 'progress', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 3}`, value: `second-${i}` })) });
    seen.length = 0;
    const second = await member('progress-group', 'progress', (v) => seen.push(v));
    await until(10);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `second-${i}`).sort());
    await second.consumer.disconnect();
    await producer.disconnect();
  }, 60_000);
});
