/**
 * kafkajs over SASL_PLAINTEXT, or SASL_SSL (`ssl: { ca }`) for sasl-ssl-plain, with PLAIN
 * (sasl: { mechanism: 'plain' }): SaslHandshake v1 and
 * SaslAuthenticate, then a topic created with the admin client, 20 messages produced and read back
 * by a consumer group. A client with a wrong password must fail to connect with kafkajs'
 * KafkaJSSASLAuthenticationError.
 */
import { Kafka, logLevel } from 'kafkajs';
import { check, saslTransport, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID, producer } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
const N = 20;
const { protocol, ca } = saslTransport();
const ssl = protocol === 'SASL_SSL' ? (ca ? { ca: [ca] } : true) : undefined;
const secure = (password: string): Kafka =>
  new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING, ssl, sasl: { mechanism: 'plain', username: 'alice', password }, retry: { retries: 0 } });

const kafka = secure('alice-secret');
const admin = kafka.admin();
await admin.connect();
try {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
} finally {
  await admin.disconnect();
}

const p = producer(kafka);
await p.connect();
await p.send({ topic, acks: -1, messages: Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
await p.disconnect();

const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
await consumer.connect();
const got: string[] = [];
try {
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${N} messages in 20 s`)), 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.push(String(message.value));
        if (got.length === N) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
} finally {
  await consumer.disconnect();
}
check(got.join(',') === Array.from({ length: N }, (_, i) => `v${i}`).join(','), 'messages read back differ', got);

const wrong = secure('wrong-password').admin();
const refused = await wrong.connect().then(
  () => undefined,
  (err: Error) => err,
);
await wrong.disconnect().catch(() => undefined);
check(refused !== undefined, 'a wrong password was accepted');
check(refused.name === 'KafkaJSSASLAuthenticationError' || /SASL_AUTHENTICATION_FAILED|Authentication failed/i.test(String(refused.message)), 'a wrong password failed otherwise than authentication', `${refused.name}: ${refused.message}`);
console.log(`kafkajs: PLAIN over ${protocol} as alice, ${N} messages produced and consumed; wrong password refused (${refused.name}: ${refused.message})`);
