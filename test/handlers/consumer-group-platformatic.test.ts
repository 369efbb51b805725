/**
 * A real client of the consumer group protocol: @platformatic/kafka 1.35 with groupProtocol
 * 'consumer' (ConsumerGroupHeartbeat v1, OffsetCommit and OffsetFetch v9 with member epochs).
 * Two members split a topic, each message is processed once by the member owning its partition
 * and committed; when one closes (leave, epoch -1) the other takes every partition, and a new
 * member starts from the committed offsets.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { createTopic, describeGroup, sleep } from '../helpers/consumer-group.js';

const TOPIC = 'pk-consumer';
const GROUP = 'pk-consumer-group';
let broker: Broker;
let admin: KafkaWire;
let producer: Producer<string, string, string, string>;

interface Live {
  consumer: Consumer<string, string, string, string>;
  processed: Array<{ partition: number; value: string }>;
  owned(): number[];
  stop(): Promise<void>;
}

async function start(name: string): Promise<Live> {
  const consumer = new Consumer<string, string, string, string>({
    clientId: `pk-${name}`,
    bootstrapBrokers: [broker.bootstrap],
    groupId: GROUP,
    groupProtocol: 'consumer',
    maxWaitTime: 100,
    autocommit: false,
    deserializers: stringDeserializers,
    retries: 5,
    retryDelay: 100,
  });
  const processed: Live['processed'] = [];
  const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest' });
  const done = (async () => {
    for await (const m of stream) {
      await m.commit();
      processed.push({ partition: m.partition, value: String(m.value) });
    }
  })().catch(() => undefined);
  return {
    consumer,
    processed,
    owned: () => (consumer.assignments ?? []).flatMap((a) => a.partitions).sort(),
    async stop() {
      await stream.close();
      await done;
      await consumer.close();
    },
  };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

async function produce(phase: string): Promise<string[]> {
  const messages = [0, 1, 2, 3].flatMap((partition) => Array.from({ length: 5 }, (_, i) => ({ topic: TOPIC, partition, value: `${phase}-${partition}-${i}` })));
  await producer.send({ messages });
  return messages.map((m) => m.value);
}

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'group.consumer.heartbeat.interval.ms': 200 } });
  admin = await KafkaWire.connect(broker.port);
  await createTopic(admin, TOPIC, 4);
  producer = new Producer({ clientId: 'pk-producer', bootstrapBrokers: [broker.bootstrap], acks: ProduceAcks.ALL, idempotent: false, serializers: stringSerializers });
});
afterAll(async () => {
  await producer?.close();
  await admin?.close();
  await broker?.close();
});

describe('@platformatic/kafka with groupProtocol consumer', () => {
  it('splits partitions, processes each message once, commits with member epochs, and hands over on leave', async () => {
    const a = await start('a');
    await until('A owns all four partitions', () => a.owned().length === 4);
    const p1 = await produce('p1');
    await until('A processed p1', () => a.processed.length === p1.length);

    const b = await start('b');
    await until('A and B split the partitions', () => a.owned().length === 2 && b.owned().length === 2 && new Set([...a.owned(), ...b.owned()]).size === 4);
    await until('the group is stable', async () => (await describeGroup(admin, GROUP)).groupState === 'Stable');
    await sleep(300); // fetches in flight across the rebalance
    const p2 = await produce('p2');
    await until('p2 processed', () => [...a.processed, ...b.processed].filter((m) => m.value.startsWith('p2-')).length === p2.length);
    await sleep(300);
    const p2Done = [...a.processed, ...b.processed].filter((m) => m.value.startsWith('p2-'));
    expect(p2Done.map((m) => m.value).sort()).toEqual([...p2].sort()); // once each
    for (const m of b.processed.filter((x) => x.value.startsWith('p2-'))) expect(b.owned()).toContain(m.partition);

    const d = await describeGroup(admin, GROUP);
    expect(d.members).toHaveLength(2);
    expect(d.members.every((m: any) => m.memberType === 1 && m.subscribedTopicNames[0] === TOPIC)).toBe(true);

    await b.stop(); // leaves with epoch -1
    await until('A owns all four partitions again', () => a.owned().length === 4);
    await a.stop();
    await until('the group is empty', async () => (await describeGroup(admin, GROUP)).groupState === 'Empty');

    // A new member starts at the committed offsets: it gets only what comes next.
    const p3 = await produce('p3');
    const c = await start('c');
    await until('C processed p3', () => c.processed.length >= p3.length);
    await sleep(300);
    expect(c.processed.map((m) => m.value).sort()).toEqual([...p3].sort());
    await c.stop();
  });
});
