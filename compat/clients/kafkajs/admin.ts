/**
 * kafkajs: topic administration through the admin client: createTopics (3 partitions, configs),
 * describeConfigs (topic and broker), alterConfigs, createPartitions, deleteTopicRecords with
 * fetchTopicOffsets, and deleteTopics.
 *
 * kafkajs 2.2.4 sends CreateTopics v3, DeleteTopics v1, CreatePartitions v1, DescribeConfigs v2,
 * AlterConfigs v1 and DeleteRecords v1. createTopics() answers false, without throwing, for a
 * topic that exists; errors per topic come back as a KafkaJSAggregateError of protocol errors.
 */
import kafkajs, { Kafka, Partitioners, logLevel } from 'kafkajs';
import { check, scenarioEnv } from '../../lib/scenario.js';

// Node's CommonJS interop does not see ConfigResourceTypes as a named export.
const { ConfigResourceTypes } = kafkajs;

const { bootstrap, nodeId, topic } = scenarioEnv();
const kafka = new Kafka({ clientId: 'runnel-compat-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

async function topicConfigs(names: string[]): Promise<Map<string, { value: string; isDefault: boolean; source: number }>> {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }] });
  check(resources.length === 1 && resources[0].errorCode === 0, `describeConfigs(${topic}) failed`, resources);
  return new Map(resources[0].configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault, source: (e as unknown as { configSource: number }).configSource }]));
}

try {
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'delete' }] }],
  });
  check(created === true, 'createTopics() should report the topic as created', created);
  check((await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })) === false, 'a second createTopics() should answer false (TOPIC_ALREADY_EXISTS)');
  // Without numPartitions and replicationFactor kafkajs sends -1 for both, at v3: the broker's defaults.
  check((await admin.createTopics({ topics: [{ topic: `${topic}-defaults` }] })) === true, 'createTopics() with the broker defaults (-1 at v3) should succeed');
  await admin.deleteTopics({ topics: [`${topic}-defaults`] });

  const bad = await admin.createTopics({ topics: [{ topic: `${topic}-bad`, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }).catch((e: Error & { errors?: Array<{ type?: string }> }) => e);
  check(bad instanceof Error && JSON.stringify(bad.errors?.map((e) => e.type)) === '["INVALID_CONFIG"]', 'a bad config value should fail with INVALID_CONFIG', bad);

  let meta = await admin.fetchTopicMetadata({ topics: [topic] });
  check(meta.topics[0].partitions.length === 3, `${topic} should have 3 partitions`, meta.topics[0].partitions);

  let cfg = await topicConfigs(['retention.ms', 'cleanup.policy', 'segment.bytes']);
  check(cfg.get('retention.ms')?.value === '3600000' && cfg.get('retention.ms')?.isDefault === false, 'retention.ms should be the override', cfg);
  check(cfg.get('segment.bytes')?.value === String(1024 ** 3) && cfg.get('segment.bytes')?.isDefault === true, 'segment.bytes should be the default', cfg);

  // AlterConfigs replaces every override: cleanup.policy and retention.ms go back to their defaults.
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: '500000' }] }] });
  cfg = await topicConfigs(['retention.ms', 'max.message.bytes']);
  check(cfg.get('max.message.bytes')?.value === '500000', 'max.message.bytes should be altered', cfg);
  check(cfg.get('retention.ms')?.value === '604800000' && cfg.get('retention.ms')?.isDefault, 'retention.ms should be back to its default', cfg);

  const broker = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(nodeId) }] });
  const numPartitions = broker.resources[0].configEntries.find((e) => e.configName === 'num.partitions');
  check(numPartitions !== undefined && numPartitions.readOnly, 'the broker should describe num.partitions, read-only', broker.resources[0]);

  await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] });
  meta = await admin.fetchTopicMetadata({ topics: [topic] });
  check(meta.topics[0].partitions.length === 5, `${topic} should have 5 partitions after createPartitions()`, meta.topics[0].partitions);

  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `m${i}` })) });
  } finally {
    await producer.disconnect();
  }
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
  const offsets = await admin.fetchTopicOffsets(topic);
  const p0 = offsets.find((o) => o.partition === 0);
  check(p0?.low === '4' && p0.high === '10', 'after deleteTopicRecords(offset 4) partition 0 should span [4, 10)', offsets);

  await admin.deleteTopics({ topics: [topic] });
  const topics = await admin.listTopics();
  check(!topics.includes(topic), `listTopics() still has ${topic} after deleteTopics()`, topics);
} finally {
  await admin.disconnect();
}
console.log(`kafkajs: created ${topic} (3 partitions, configs), described, altered, grew it to 5, deleted records and the topic`);
