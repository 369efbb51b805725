/**
 * @platformatic/kafka over SASL_PLAINTEXT, or SASL_SSL (`tls: { ca }`) for sasl-ssl-plain, with
 * PLAIN (sasl: { mechanism: 'PLAIN' }): a topic
 * created with Admin, 20 messages produced and read back; a wrong password must be refused with
 * an authentication error.
 */
import { Admin, AuthenticationError, Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { check, saslTransport, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
const N = 20;
const sasl = (password: string) => ({ mechanism: 'PLAIN' as const, username: 'alice', password });
const { protocol, ca } = saslTransport();
const tls = protocol === 'SASL_SSL' ? { tls: ca ? { ca } : {} } : {};
const base = { clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], ...tls, sasl: sasl('alice-secret'), retries: 5, retryDelay: 200 };

const admin = new Admin(base);
try {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
} finally {
  await admin.close();
}

const producer = new Producer({ ...base, acks: ProduceAcks.ALL, serializers: stringSerializers });
try {
  await producer.send({ messages: Array.from({ length: N }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })) });
} finally {
  await producer.close();
}

const consumer = new Consumer({ ...base, groupId: `${topic}-group`, maxWaitTime: 100, autocommit: false, deserializers: stringDeserializers });
const got: string[] = [];
try {
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  const deadline = setTimeout(() => void stream.close(), 20_000);
  for await (const m of stream) {
    got.push(String(m.value));
    if (got.length === N) break;
  }
  clearTimeout(deadline);
  await stream.close();
} finally {
  await consumer.close(true);
}
check(got.join(',') === Array.from({ length: N }, (_, i) => `v${i}`).join(','), 'messages read back differ', got);

const wrong = new Admin({ ...base, sasl: sasl('wrong-password'), retries: 0 });
const refused = await wrong.metadata({ topics: [] }).then(
  () => undefined,
  (err: Error) => err,
);
await wrong.close().catch(() => undefined);
check(refused !== undefined, 'a wrong password was accepted');
/** The causes and aggregated errors under `e`, depth first: the client wraps the SASL failure in a network error. */
const chain = (e: unknown): Error[] =>
  e instanceof Error ? [e, ...((e as { errors?: unknown[] }).errors ?? []).flatMap(chain), ...chain((e as { cause?: unknown }).cause)] : [];
const auth = chain(refused).find((e) => e instanceof AuthenticationError);
check(auth !== undefined, 'a wrong password failed otherwise than authentication', chain(refused).map((e) => `${e.name}: ${e.message}`));
const text = chain(auth).map((e) => e.message).join(' / ');
console.log(`@platformatic/kafka: PLAIN over ${protocol} as alice, ${N} messages produced and consumed; wrong password refused (${text})`);
