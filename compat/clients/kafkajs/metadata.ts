/**
 * kafkajs: connect, let a consumer's subscription auto-create a topic, then find it and the broker
 * through the admin client.
 *
 * kafkajs' admin client always sends allowAutoTopicCreation=false (Kafka#admin() hard-codes it and
 * AdminConfig has no such option), so admin.fetchTopicMetadata() on a new topic only gets
 * UNKNOWN_TOPIC_OR_PARTITION. Consumers and producers default to true: subscribe() fetches
 * metadata for the topic and retries through the LEADER_NOT_AVAILABLE of the first answer.
 */
import { Kafka, logLevel } from 'kafkajs';
import { check, scenarioEnv } from '../../lib/scenario.js';

const { bootstrap, host, port, nodeId, topic } = scenarioEnv();
const kafka = new Kafka({ clientId: 'runnel-compat-kafkajs', brokers: [bootstrap], logLevel: logLevel.WARN });

const consumer = kafka.consumer({ groupId: `${topic}-group`, allowAutoTopicCreation: true });
await consumer.connect(); // ApiVersions + Metadata
await consumer.subscribe({ topics: [topic] }); // Metadata for the topic: auto-creates it
await consumer.disconnect();

const admin = kafka.admin();
await admin.connect();
try {
  const topics = await admin.listTopics();
  check(topics.includes(topic), `listTopics() lacks ${topic}`, topics);

  const { topics: [meta] } = await admin.fetchTopicMetadata({ topics: [topic] });
  check(meta?.name === topic, `fetchTopicMetadata() did not describe ${topic}`, meta);
  check(meta.partitions.length === 1, `${topic} should have 1 partition`, meta.partitions);
  const [p0] = meta.partitions;
  check(p0.partitionId === 0 && p0.leader === nodeId && p0.partitionErrorCode === 0, `partition 0 should be led by node ${nodeId}`, p0);

  const cluster = await admin.describeCluster();
  check(cluster.brokers.length === 1, 'describeCluster() should list exactly one broker', cluster.brokers);
  const [b] = cluster.brokers;
  check(b.nodeId === nodeId && b.host === host && b.port === port, `broker should be ${nodeId}@${host}:${port}`, b);
  check(cluster.controller === nodeId, `controller should be ${nodeId}`, cluster.controller);
  check(typeof cluster.clusterId === 'string' && cluster.clusterId.length > 0, 'clusterId is empty', cluster.clusterId);
} finally {
  await admin.disconnect();
}
console.log(`kafkajs: ${topic} has 1 partition led by node ${nodeId} at ${host}:${port}`);
