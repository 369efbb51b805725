/**
 * kafkajs against StandardAuthorizer (SASL_PLAINTEXT, PLAIN): admin creates the topic and, with
 * admin.createAcls(), grants alice WRITE, READ and DESCRIBE on it and READ on her group; alice
 * produces 10 messages and reads them back in that group; bob's produce, consume and topic
 * metadata are refused with TOPIC_/GROUP_AUTHORIZATION_FAILED and his listTopics() omits the topic.
 */
import kafkajs, { Kafka, logLevel } from 'kafkajs';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID, producer } from './_common.js';

// kafkajs is CommonJS: its ACL enums are only reachable through the default export under ESM.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
const { bootstrap, topic } = scenarioEnv();
const group = `${topic}-g`;
const N = 10;
const as = (username: string): Kafka =>
  new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username, password: `${username}-secret` }, retry: { retries: 0 } });

const admin = as('admin').admin();
await admin.connect();
try {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const acl = { principal: 'User:alice', host: '*', permissionType: AclPermissionTypes.ALLOW, resourcePatternType: ResourcePatternTypes.LITERAL };
  await admin.createAcls({
    acl: [
      ...[AclOperationTypes.WRITE, AclOperationTypes.READ, AclOperationTypes.DESCRIBE].map((operation) => ({ ...acl, resourceType: AclResourceTypes.TOPIC, resourceName: topic, operation })),
      { ...acl, resourceType: AclResourceTypes.GROUP, resourceName: group, operation: AclOperationTypes.READ },
    ],
  });
} finally {
  await admin.disconnect();
}

// alice: allowed.
const alice = as('alice');
const p = producer(alice);
await p.connect();
try {
  await p.send({ topic, acks: -1, messages: Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
} finally {
  await p.disconnect();
}
const consumer = alice.consumer({ groupId: group, maxWaitTimeInMs: 100 });
await consumer.connect();
const got: string[] = [];
try {
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`alice read ${got.length} of ${N} messages in 20 s`)), 20_000);
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
check(got.join(',') === Array.from({ length: N }, (_, i) => `v${i}`).join(','), 'messages alice read back differ', got);
const aliceAdmin = alice.admin();
await aliceAdmin.connect();
const aliceTopics = await aliceAdmin.listTopics().finally(() => aliceAdmin.disconnect());
check(aliceTopics.includes(topic), 'alice\'s topic list lacks the topic she may describe', aliceTopics);

// bob: refused.
const bob = as('bob');
/** kafkajs wraps the protocol error (whose `type` is Kafka's error name) in retriable/non-retriable errors. */
const typeOf = (err: unknown): string => {
  const parts: string[] = [];
  for (let e = err as { type?: string; name?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined; e; e = (e.cause ?? e.originalError) as typeof e) {
    parts.push(`${e.type ?? e.name}: ${e.message}`);
  }
  return parts.join(' <- ');
};
const refusal = (err: unknown, ...types: string[]): string => {
  const text = typeOf(err);
  check(types.some((t) => text.includes(t)), `bob was refused otherwise than with ${types.join('/')}`, text);
  return text;
};

const bp = producer(bob);
await bp.connect();
const produced = await bp.send({ topic, acks: -1, messages: [{ value: 'bob' }] }).then(() => undefined, (err: unknown) => err);
await bp.disconnect();
check(produced !== undefined, 'bob produced to a topic he has no WRITE on');
const produceRefusal = refusal(produced, 'TOPIC_AUTHORIZATION_FAILED');

const bc = bob.consumer({ groupId: group, maxWaitTimeInMs: 100 });
await bc.connect();
let consumeErr: unknown;
try {
  await bc.subscribe({ topics: [topic], fromBeginning: true });
  consumeErr = await new Promise<unknown>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 20_000);
    bc.on(bc.events.CRASH, (e) => {
      clearTimeout(timer);
      resolve(e.payload.error);
    });
    void bc.run({ eachMessage: async () => { consumeErr = new Error('bob received a message'); } });
  });
} catch (err) {
  consumeErr = err;
} finally {
  await bc.disconnect();
}
check(consumeErr !== undefined, 'bob consumed (no refusal within 20 s)');
const consumeRefusal = refusal(consumeErr, 'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED');

const bobAdmin = bob.admin();
await bobAdmin.connect();
try {
  const described = await bobAdmin.fetchTopicMetadata({ topics: [topic] }).then(() => undefined, (err: unknown) => err);
  check(described !== undefined, 'bob described a topic he has no DESCRIBE on');
  refusal(described, 'TOPIC_AUTHORIZATION_FAILED');
  const bobTopics = await bobAdmin.listTopics();
  check(!bobTopics.includes(topic), 'bob\'s topic list shows a topic he may not describe', bobTopics);
} finally {
  await bobAdmin.disconnect();
}
console.log(`kafkajs: alice produced and consumed ${N} messages; bob refused: produce (${produceRefusal}), consume (${consumeRefusal}), describe, and the topic is not listed`);
