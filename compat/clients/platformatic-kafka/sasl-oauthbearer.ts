/**
 * @platformatic/kafka: SASL/OAUTHBEARER with a token provider returning a signed token; produce
 * and consume through it; a token for another audience and an expired one are refused. The
 * client's own saslOAuthBearer.jwtValidateAuthenticationBytes reads the server's invalid_token
 * challenge as a failure; without it the client would take the challenge for success and see the
 * connection closed on its next request, as against Kafka.
 */
import { Admin, AuthenticationError, Consumer, ProduceAcks, Producer, saslOAuthBearer, stringDeserializers, stringSerializers, type SASLOptions } from '@platformatic/kafka';
import { oauthToken, type TokenOptions } from '../../lib/oauth-token.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
const sasl = (opts: TokenOptions): SASLOptions => ({
  mechanism: 'OAUTHBEARER',
  token: async () => oauthToken(opts),
  authBytesValidator: saslOAuthBearer.jwtValidateAuthenticationBytes,
});
const base = (opts: TokenOptions = {}) => ({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], sasl: sasl(opts) });

const admin = new Admin({ ...base(), retries: 2, retryDelay: 200 });
try {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
} finally {
  await admin.close();
}

const producer = new Producer({ ...base(), serializers: stringSerializers, acks: ProduceAcks.ALL, idempotent: false });
try {
  await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })), acks: ProduceAcks.ALL });
} finally {
  await producer.close();
}

const consumer = new Consumer({ ...base(), groupId: `${topic}-g`, deserializers: stringDeserializers, maxWaitTime: 100, autocommit: false });
const seen: string[] = [];
try {
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  const deadline = Date.now() + 20_000;
  for await (const m of stream) {
    seen.push(String(m.value));
    if (seen.length === 10) break;
    check(Date.now() < deadline, 'consumed fewer than 10 messages in 20 s', seen);
  }
  await stream.close();
} finally {
  await consumer.close();
}
check(seen.join(',') === Array.from({ length: 10 }, (_, i) => `v${i}`).join(','), 'consumed values in order', seen);

for (const [what, opts] of [
  ['a token for another audience', { audience: 'someone-else' }],
  ['an expired token', { expiresIn: -3600 }],
] as const) {
  const bad = new Admin({ ...base(opts), retries: 0 });
  const err = await bad.listTopics().then(
    () => undefined,
    (e: Error) => e,
  );
  await bad.close().catch(() => {});
  check(err !== undefined, `${what} should be refused`);
  const causes: unknown[] = [];
  for (let e: unknown = err; e; e = (e as { cause?: unknown; errors?: unknown[] }).cause ?? (e as { errors?: unknown[] }).errors?.[0]) causes.push(e);
  check(causes.some((e) => e instanceof AuthenticationError), `${what}: expected an AuthenticationError`, causes.map(String));
}
console.log('@platformatic/kafka: OAUTHBEARER with a signed token produced and consumed 10 messages; wrong audience and expired tokens refused');
