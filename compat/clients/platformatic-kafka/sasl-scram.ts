/**
 * @platformatic/kafka: SCRAM-SHA-512 over SASL_PLAINTEXT, or SASL_SSL (`tls: { ca }`) for
 * sasl-ssl-scram (its `sasl` option) against a user
 * created with `runnel configs` (compat/lib/scram-user.sh): the admin client creates the topic, a
 * producer writes 20 messages, a
 * consumer in a group of its own reads them back, and the admin client with a wrong password is
 * refused.
 */
import { Admin, Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers, type SASLOptions } from '@platformatic/kafka';
import { check, saslTransport, scenarioEnv } from '../../lib/scenario.js';
import { createScramUser } from '../../lib/scram-user.js';
import { CLIENT_ID } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
const user = `platformatic-${topic}`;
const password = `platformatic-secret-${process.pid}`;
createScramUser(user, 'SCRAM-SHA-512', password);
const sasl: SASLOptions = { mechanism: 'SCRAM-SHA-512', username: user, password };
const { protocol, ca } = saslTransport();
const tls = protocol === 'SASL_SSL' ? { tls: ca ? { ca } : {} } : {};
const common = { clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], ...tls, retries: 5, retryDelay: 200 };

const admin = new Admin({ ...common, sasl });
try {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
} finally {
  await admin.close();
}

const producer = new Producer({ ...common, sasl, acks: ProduceAcks.ALL, serializers: stringSerializers });
try {
  await producer.send({ messages: Array.from({ length: 20 }, (_, i) => ({ topic, value: `m${i}` })), acks: ProduceAcks.ALL });
} finally {
  await producer.close();
}

const consumer = new Consumer({ ...common, sasl, groupId: `${topic}-group`, maxWaitTime: 100, autocommit: false, deserializers: stringDeserializers });
const got: string[] = [];
try {
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  const deadline = Date.now() + 20_000;
  for await (const m of stream) {
    got.push(String(m.value));
    if (got.length >= 20 || Date.now() > deadline) break;
  }
  await stream.close();
} finally {
  await consumer.close();
}
check(got.join(',') === Array.from({ length: 20 }, (_, i) => `m${i}`).join(','), 'consumed m0..m19 in order', got);

const bad = new Admin({ ...common, retries: 0, sasl: { ...sasl, password: `not-${password}` } });
const refused = await bad.listTopics().then(
  () => undefined,
  (e: Error) => e,
);
await bad.close();
const text = (e: unknown): string => (e instanceof Error ? `${e.message} ${e.cause ? text(e.cause) : ''} ${'errors' in e && Array.isArray(e.errors) ? e.errors.map(text).join(' ') : ''}` : String(e));
check(refused && /Authentication failed|SASL authentication failed/i.test(text(refused)), 'a wrong password is refused with an authentication error', refused && text(refused));
console.log(`@platformatic/kafka: over ${protocol}, SCRAM-SHA-512 user ${user} produced and consumed 20 messages; a wrong password was refused`);
