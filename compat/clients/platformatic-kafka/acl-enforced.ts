/**
 * @platformatic/kafka against StandardAuthorizer (SASL_PLAINTEXT, PLAIN): admin creates the topic
 * and, with Admin.createAcls(), grants alice WRITE, READ and DESCRIBE on it and READ on her group;
 * alice produces 10 messages and reads them back in that group; bob's produce, consume and topic
 * metadata are refused with TOPIC_/GROUP_AUTHORIZATION_FAILED and his listTopics() omits the topic.
 */
import { AclOperations, AclPermissionTypes, Admin, Consumer, ProduceAcks, Producer, ResourcePatternTypes, ResourceTypes, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
const group = `${topic}-g`;
const N = 10;
const as = (username: string, retries = 5) => ({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], sasl: { mechanism: 'PLAIN' as const, username, password: `${username}-secret` }, retries, retryDelay: 200 });

const admin = new Admin(as('admin'));
try {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  const acl = { principal: 'User:alice', host: '*', permissionType: AclPermissionTypes.ALLOW, resourcePatternType: ResourcePatternTypes.LITERAL };
  await admin.createAcls({
    creations: [
      ...[AclOperations.WRITE, AclOperations.READ, AclOperations.DESCRIBE].map((operation) => ({ ...acl, resourceType: ResourceTypes.TOPIC, resourceName: topic, operation })),
      { ...acl, resourceType: ResourceTypes.GROUP, resourceName: group, operation: AclOperations.READ },
    ],
  });
} finally {
  await admin.close();
}

// alice: allowed.
const producer = new Producer({ ...as('alice'), acks: ProduceAcks.ALL, serializers: stringSerializers });
try {
  await producer.send({ messages: Array.from({ length: N }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })) });
} finally {
  await producer.close();
}
const consumer = new Consumer({ ...as('alice'), groupId: group, maxWaitTime: 100, autocommit: false, deserializers: stringDeserializers });
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
check(got.join(',') === Array.from({ length: N }, (_, i) => `v${i}`).join(','), 'messages alice read back differ', got);
const aliceAdmin = new Admin(as('alice'));
const aliceTopics = await aliceAdmin.listTopics().finally(() => aliceAdmin.close());
check(aliceTopics.includes(topic), 'alice\'s topic list lacks the topic she may describe', aliceTopics);

// bob: refused.
/** The client wraps protocol errors (apiId = Kafka's error name) in aggregates and causes. */
const chain = (e: unknown): string[] =>
  e instanceof Error
    ? [`${(e as { apiId?: string }).apiId ?? e.name}: ${e.message}`, ...((e as { errors?: unknown[] }).errors ?? []).flatMap(chain), ...chain((e as { cause?: unknown }).cause)]
    : [];
const refusal = async (what: string, attempt: Promise<unknown>, ...codes: string[]): Promise<string> => {
  const err = await attempt.then(() => undefined, (e: unknown) => e);
  check(err !== undefined, `bob's ${what} was not refused`);
  const text = chain(err).join(' <- ');
  check(codes.some((c) => text.includes(c)), `bob's ${what} was refused otherwise than with ${codes.join('/')}`, text);
  return chain(err).find((t) => codes.some((c) => t.includes(c)))!;
};

const bp = new Producer({ ...as('bob', 0), acks: ProduceAcks.ALL, serializers: stringSerializers });
const produceRefusal = await refusal('produce', bp.send({ messages: [{ topic, value: 'bob' }] }), 'TOPIC_AUTHORIZATION_FAILED').finally(() => bp.close());

const bc = new Consumer({ ...as('bob', 0), groupId: group, maxWaitTime: 100, autocommit: false, deserializers: stringDeserializers });
const consumeRefusal = await refusal(
  'consume',
  (async () => {
    const stream = await bc.consume({ topics: [topic], mode: 'earliest' });
    const first = await Promise.race([stream[Symbol.asyncIterator]().next(), new Promise((r) => setTimeout(r, 15_000))]);
    await stream.close();
    return first;
  })(),
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
).finally(() => bc.close(true));

const bobAdmin = new Admin(as('bob', 0));
try {
  await refusal('metadata for the topic', bobAdmin.metadata({ topics: [topic] }), 'TOPIC_AUTHORIZATION_FAILED');
  const bobTopics = await bobAdmin.listTopics();
  check(!bobTopics.includes(topic), 'bob\'s topic list shows a topic he may not describe', bobTopics);
} finally {
  await bobAdmin.close();
}
console.log(`@platformatic/kafka: alice produced and consumed ${N} messages; bob refused: produce (${produceRefusal}), consume (${consumeRefusal}), describe, and the topic is not listed`);
