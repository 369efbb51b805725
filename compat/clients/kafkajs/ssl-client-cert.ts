/**
 * kafkajs over SSL with a client certificate (`ssl: { ca, cert, key }`): create the topic,
 * produce 20 messages, consume them back; without a client certificate the broker
 * (ssl.client.auth=required) refuses the connection and admin.connect() fails.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { check, scenarioEnv } from '../../lib/scenario.js';

const { bootstrap, topic } = scenarioEnv();
const ca = [readFileSync(process.env.RUNNEL_SSL_CA!, 'utf8')];
const cert = readFileSync(process.env.RUNNEL_SSL_CLIENT_CERT!, 'utf8');
const key = readFileSync(process.env.RUNNEL_SSL_CLIENT_KEY!, 'utf8');

const kafka = new Kafka({ clientId: 'runnel-compat-kafkajs', brokers: [bootstrap], ssl: { ca, cert, key }, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
await admin.disconnect();

const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: `ssl-${i + 1}` })) });
await producer.disconnect();

const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
const got: string[] = [];
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`timed out with ${got.length} messages`)), 30_000);
  void consumer.run({
    eachMessage: async ({ message }) => {
      got.push(String(message.value));
      if (got.length === 20) {
        clearTimeout(timer);
        resolve();
      }
    },
  });
});
await consumer.disconnect();
check(got.join() === Array.from({ length: 20 }, (_, i) => `ssl-${i + 1}`).join(), 'expected ssl-1..ssl-20 back', got);

const noCert = new Kafka({ clientId: 'runnel-compat-kafkajs', brokers: [bootstrap], ssl: { ca }, logLevel: logLevel.NOTHING, retry: { retries: 1 }, connectionTimeout: 5000 });
const refused = noCert.admin();
const outcome = await refused.connect().then(
  async () => {
    // Under TLS 1.3 the refusal may come after the handshake: the first request fails instead.
    try {
      return `listed ${JSON.stringify(await refused.listTopics())}`;
    } catch {
      return 'refused';
    }
  },
  () => 'refused',
);
await refused.disconnect().catch(() => undefined);
check(outcome === 'refused', 'a client without a certificate should be refused', outcome);
console.log('kafkajs: 20 messages over SSL with a client certificate; refused without one');
