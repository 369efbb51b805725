/**
 * kafkajs: SASL/OAUTHBEARER with an oauthBearerProvider returning a signed token; produce and
 * consume through it; a token for another audience and an expired one are refused.
 *
 * kafkajs takes the server's invalid_token challenge (SaslAuthenticate with error 0 and the JSON
 * error as auth bytes) for success, so a refused token shows on the first request after it: the
 * broker closes the connection, as Kafka does for a request in the middle of an exchange.
 */
import { Kafka, logLevel, Partitioners, type SASLOptions } from 'kafkajs';
import { oauthToken, type TokenOptions } from '../../lib/oauth-token.js';
import { check, scenarioEnv } from '../../lib/scenario.js';

const { bootstrap, topic } = scenarioEnv();

function client(token: TokenOptions): Kafka {
  const sasl = { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await oauthToken(token) }) } as SASLOptions;
  return new Kafka({ clientId: 'runnel-compat-kafkajs', brokers: [bootstrap], ssl: false, sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

const kafka = client({});
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
await admin.disconnect();

const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
await producer.disconnect();

const consumer = kafka.consumer({ groupId: `${topic}-g` });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
const seen: string[] = [];
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of 10 messages`)), 30_000);
  void consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(String(message.value));
      if (seen.length === 10) {
        clearTimeout(timer);
        resolve();
      }
    },
  });
});
await consumer.disconnect();
check(seen.join(',') === Array.from({ length: 10 }, (_, i) => `v${i}`).join(','), 'consumed values in order', seen);

for (const [what, token] of [
  ['a token for another audience', { audience: 'someone-else' }],
  ['an expired token', { expiresIn: -3600 }],
] as const) {
  const bad = client(token).admin();
  const err = await bad
    .connect()
    .then(() => bad.listTopics())
    .then(
      () => undefined,
      (e: Error) => e,
    );
  await bad.disconnect().catch(() => {});
  check(err !== undefined, `${what} should be refused`);
  check(/closed connection|connection closed|authentication failed|invalid_token/i.test(`${err.name} ${err.message}`), `${what}: expected a refusal`, `${err.name}: ${err.message}`);
}
console.log('kafkajs: OAUTHBEARER with a signed token produced and consumed 10 messages; wrong audience and expired tokens refused');
