/**
 * kafkajs: SCRAM over SASL_PLAINTEXT, or SASL_SSL (`ssl: { ca }`) for sasl-ssl-scram, against users created with `runnel configs`
 * (compat/lib/scram-user.sh): with mechanism 'scram-sha-512' a producer writes 20 messages and a
 * consumer group reads them back; a second user authenticates with 'scram-sha-256'; a wrong
 * password is refused with KafkaJSSASLAuthenticationError.
 */
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { check, saslTransport, scenarioEnv } from '../../lib/scenario.js';
import { createScramUser } from '../../lib/scram-user.js';

const { bootstrap, topic } = scenarioEnv();
const user = `kafkajs-${topic}`;
const password = `kafkajs-secret-${process.pid}`;
createScramUser(user, 'SCRAM-SHA-512', password);
createScramUser(`${user}-256`, 'SCRAM-SHA-256', password, 4096);

const { protocol, ca } = saslTransport();
const ssl = protocol === 'SASL_SSL' ? (ca ? { ca: [ca] } : true) : undefined;
const kafka = (sasl: SASLOptions) => new Kafka({ clientId: 'runnel-compat-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING, ssl, sasl, retry: { retries: 2 } });
const k512 = kafka({ mechanism: 'scram-sha-512', username: user, password });

const producer = k512.producer();
await producer.connect();
await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) });
await producer.disconnect();

const consumer = k512.consumer({ groupId: `${topic}-group` });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
const got: string[] = [];
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`timed out; consumed ${got.join(',')}`)), 30_000);
  void consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.value!.toString());
      if (got.length === 20) {
        clearTimeout(timer);
        resolve();
      }
    },
  });
});
await consumer.disconnect();
check(got.join(',') === Array.from({ length: 20 }, (_, i) => `m${i}`).join(','), 'consumed m0..m19 in order', got);

const admin256 = kafka({ mechanism: 'scram-sha-256', username: `${user}-256`, password }).admin();
await admin256.connect();
check((await admin256.listTopics()).includes(topic), `SCRAM-SHA-256 user lists ${topic}`);
await admin256.disconnect();

const bad = kafka({ mechanism: 'scram-sha-512', username: user, password: `not-${password}` }).admin();
const refused = await bad.connect().then(
  () => undefined,
  (e: Error) => e,
);
await bad.disconnect();
check(refused?.name === 'KafkaJSSASLAuthenticationError' || /SASL SCRAM SHA512 authentication failed/.test(String(refused?.message)), 'a wrong password is refused with a SASL authentication error', refused && `${refused.name}: ${refused.message}`);
console.log(`kafkajs: over ${protocol}, SCRAM-SHA-512 user ${user} produced and consumed 20 messages, a SCRAM-SHA-256 user connected, a wrong password was refused`);
