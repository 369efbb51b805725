/**
 * KIP-368 with real clients: with a short connections.max.reauth.ms, kafkajs and
 * @platformatic/kafka re-authenticate on their open connections (SaslHandshake + SaslAuthenticate
 * mid-connection) and keep producing without being disconnected. The client that does not
 * re-authenticate is covered on the wire in sasl-wire.test.ts (closed on its next request).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Admin, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { startSaslBroker, type SaslBroker } from '../../helpers/sasl.js';

const LIFETIME_MS = 2500;
let sb: SaslBroker;

beforeAll(async () => {
  sb = await startSaslBroker({ 'connections.max.reauth.ms': LIFETIME_MS });
});
afterAll(async () => {
  await sb?.broker.close();
});

/** Re-authentications per connection id, from the broker's log. */
function reauthsByConnection(): Map<unknown, number> {
  const out = new Map<unknown, number>();
  for (const l of sb.logs) if (l.msg === 'SASL re-authentication complete') out.set(l.conn, (out.get(l.conn) ?? 0) + 1);
  return out;
}
/** Some connection re-authenticated at least twice since `before`: it outlived two session lifetimes. */
function outlivedTwoSessions(before: Map<unknown, number>): boolean {
  return [...reauthsByConnection()].some(([conn, n]) => n - (before.get(conn) ?? 0) >= 2);
}
const expiredCloses = (): number => sb.logs.filter((l) => typeof l.reason === 'string' && l.reason.includes('SASL session expired')).length;

describe('KIP-368 re-authentication with real clients', () => {
  it('kafkajs re-authenticates before its session ends and keeps its connection', async () => {
    const topic = 'reauth-kafkajs';
    const kafka = new Kafka({
      clientId: 'reauth-kafkajs',
      brokers: [`127.0.0.1:${sb.broker.port}`],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' },
      // Re-authenticate once less than 1 s of the session is left (the broker allows one a second).
      reauthenticationThreshold: 1000,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const before = reauthsByConnection();
    const expiredBefore = expiredCloses();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 3 * LIFETIME_MS) {
      await producer.send({ topic, messages: [{ value: `m${sent}` }] });
      sent++;
      await sleep(250);
    }
    await producer.disconnect();
    expect(sent).toBeGreaterThan(10);
    expect(outlivedTwoSessions(before)).toBe(true);
    expect(expiredCloses()).toBe(expiredBefore);
  }, 30_000);

  it('@platformatic/kafka re-authenticates on its timer and keeps its connection', async () => {
    const topic = 'reauth-platformatic';
    const base = { clientId: 'reauth-platformatic', bootstrapBrokers: [`127.0.0.1:${sb.broker.port}`], sasl: { mechanism: 'PLAIN' as const, username: 'alice', password: 'alice-secret' } };
    const admin = new Admin(base);
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await admin.close();
    const before = reauthsByConnection();
    const expiredBefore = expiredCloses();
    const producer = new Producer({ ...base, acks: ProduceAcks.ALL, serializers: stringSerializers });
    const started = Date.now();
    let sent = 0;
    try {
      while (Date.now() - started < 3 * LIFETIME_MS) {
        await producer.send({ messages: [{ topic, value: `m${sent}` }] });
        sent++;
        await sleep(250);
      }
    } finally {
      await producer.close();
    }
    expect(sent).toBeGreaterThan(10);
    expect(outlivedTwoSessions(before)).toBe(true);
    expect(expiredCloses()).toBe(expiredBefore);
  }, 30_000);
});
