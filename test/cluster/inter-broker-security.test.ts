/**
 * Three brokers that reach each other over a SASL_SSL inter-broker listener (PLAIN, the broker's
 * own user from that listener's JAAS entry, TLS trust and keystore from listener-prefixed keys):
 * replica fetchers keep every follower in the ISR of an acks=all topic, and transaction markers
 * reach partition leaders on other brokers. Clients use the PLAINTEXT listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clusterClient } from '../helpers/cluster-client.js';
import { makeCerts, pemBrokerSettings, type Certs } from '../helpers/certs.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/until.js';
import { createReplicatedTopic, partitionsOf, readPartition } from '../helpers/ack-checker.js';

let certs: Certs;
let cluster: TestCluster;
let kafka: Kafka;
let admin: Admin;

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret" user_alice="alice-secret";';

beforeAll(async () => {
  certs = makeCerts();
  cluster = await startCluster({
    brokers: 3,
    // Three brokers starting at once through tsx on a loaded machine.
    startTimeoutMs: 120_000,
    extraListeners: async () => `BROKER://127.0.0.1:${await freePort()}`,
    config: {
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,BROKER:SASL_SSL',
      'inter.broker.listener.name': 'BROKER',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.broker.plain.sasl.jaas.config': JAAS,
      ...pemBrokerSettings(certs, 'listener.name.broker.'),
    },
  });
  kafka = clusterClient('inter-broker-security', cluster.bootstrap.split(','));
  admin = kafka.admin();
  await admin.connect();
}, 240_000);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await cluster?.stop();
  certs?.cleanup();
});

describe('inter-broker traffic over SASL_SSL', { timeout: 120_000 }, () => {
  it('followers fetch over the SASL_SSL listener: full ISRs, and acks=all records on every replica', async () => {
    await createReplicatedTopic(admin, 'secured', 3);
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 30; i++) await producer.send({ topic: 'secured', acks: -1, messages: [{ key: `k${i}`, value: `v${i}` }] });
    await producer.disconnect();
    const parts = await until('ISRs full after acks=all writes', async () => {
      const p = await partitionsOf(admin, 'secured');
      return p.every((x) => x.isr.length === 3) ? p : undefined;
    });
    expect(new Set(parts.map((p) => p.leader)).size).toBeGreaterThan(1);
    // The BROKER listener takes nothing but TLS and then SASL: a follower in the ISR fetched through both.
  });

  it('transaction markers reach partition leaders on other brokers', async () => {
    await createReplicatedTopic(admin, 'secured-txn', 3);
    const producer = kafka.producer({ transactionalId: 'secured-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const txn = await producer.transaction();
    for (let p = 0; p < 3; p++) await txn.send({ topic: 'secured-txn', acks: -1, messages: [{ partition: p, value: `committed-${p}` }] });
    await txn.commit();
    await producer.disconnect();
    for (let p = 0; p < 3; p++) {
      const read = await readPartition(cluster.bootstrap, 'secured-txn', p);
      expect(read.map((r) => r.value)).toEqual([`committed-${p}`]);
    }
  });
});
