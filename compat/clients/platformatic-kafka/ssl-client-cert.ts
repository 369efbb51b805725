/**
 * @platformatic/kafka over SSL with a client certificate (`tls: { ca, cert, key }`): create the
 * topic, produce 20 messages, consume them back; without a client certificate the broker
 * (ssl.client.auth=required) refuses the connection and metadata fails.
 */
import { readFileSync } from 'node:fs';
import { Admin, Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { check, scenarioEnv } from '../../lib/scenario.js';

const { bootstrap, topic } = scenarioEnv();
const ca = readFileSync(process.env.RUNNEL_SSL_CA!, 'utf8');
const tls = { ca, cert: readFileSync(process.env.RUNNEL_SSL_CLIENT_CERT!, 'utf8'), key: readFileSync(process.env.RUNNEL_SSL_CLIENT_KEY!, 'utf8') };
const base = { clientId: 'runnel-compat-platformatic', bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 };

const admin = new Admin({ ...base, tls });
await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
await admin.close();

const producer = new Producer({ ...base, tls, acks: ProduceAcks.ALL, serializers: stringSerializers });
await producer.send({ messages: Array.from({ length: 20 }, (_, i) => ({ topic, value: `ssl-${i + 1}` })) });
await producer.close();

const consumer = new Consumer({ ...base, tls, groupId: `${topic}-group`, maxWaitTime: 100, autocommit: false, deserializers: stringDeserializers });
const got: string[] = [];
const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
const timer = setTimeout(() => void stream.close(), 30_000);
for await (const m of stream) {
  got.push(String(m.value));
  if (got.length === 20) break;
}
clearTimeout(timer);
await stream.close();
await consumer.close();
check(got.join() === Array.from({ length: 20 }, (_, i) => `ssl-${i + 1}`).join(), 'expected ssl-1..ssl-20 back', got);

const refused = new Admin({ ...base, retries: 1, tls: { ca } });
const outcome = await refused.metadata({ topics: [topic] }).then(
  (md) => `metadata ${JSON.stringify([...md.brokers.values()])}`,
  () => 'refused',
);
await refused.close().catch(() => undefined);
check(outcome === 'refused', 'a client without a certificate should be refused', outcome);
console.log('@platformatic/kafka: 20 messages over SSL with a client certificate; refused without one');
