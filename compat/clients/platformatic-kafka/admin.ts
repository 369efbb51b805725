/**
 * @platformatic/kafka: topic administration with Admin: createTopics (3 partitions, configs; the
 * v5+ answer's partition count, replication factor and configs), describeConfigs with synonyms,
 * incrementalAlterConfigs (SET, APPEND), alterConfigs (replaces every override), createPartitions,
 * deleteRecords after a produce, describeLogDirs, deleteTopics. It uses the newest versions:
 * CreateTopics v7, DescribeConfigs v4, IncrementalAlterConfigs v1, DescribeLogDirs v4, ...
 */
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes, Producer, stringSerializers } from '@platformatic/kafka';
import { check, scenarioEnv } from '../../lib/scenario.js';

const { bootstrap, topic } = scenarioEnv();
const CLIENT_ID = 'runnel-compat-platformatic';
const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 2, retryDelay: 200 });

async function configs(names: string[]) {
  const [d] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: names }], includeSynonyms: true });
  return new Map(d.configs.map((c) => [c.name, c]));
}

try {
  const [created] = await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
  check(created?.name === topic && created.partitions === 3 && created.replicas === 1, 'createTopics() should report 3 partitions, 1 replica', created);
  check(created.id && created.id !== '00000000-0000-0000-0000-000000000000', 'createTopics() should report a topic id', created);
  check(created.configuration['retention.ms'] === '3600000' && created.configuration['cleanup.policy'] === 'delete', 'createTopics() should report the configs', created.configuration);

  const again = await admin.createTopics({ topics: [topic], partitions: 3 }).catch((e: Error) => e);
  check(again instanceof Error && /TOPIC_ALREADY_EXISTS|already exists/.test(JSON.stringify(again, Object.getOwnPropertyNames(again))), 'a second createTopics() should fail with TOPIC_ALREADY_EXISTS', again);

  let cfg = await configs(['retention.ms', 'cleanup.policy']);
  check(cfg.get('retention.ms')?.value === '3600000' && cfg.get('retention.ms')?.configSource === 1, 'retention.ms should be a topic override', cfg.get('retention.ms'));
  check(cfg.get('retention.ms')?.synonyms[0]?.name === 'retention.ms', 'retention.ms synonyms should start with the override', cfg.get('retention.ms'));
  check(cfg.get('cleanup.policy')?.configSource === 5, 'cleanup.policy should be a default', cfg.get('cleanup.policy'));

  await admin.incrementalAlterConfigs({
    resources: [
      {
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: topic,
        configs: [
          { name: 'cleanup.policy', configOperation: IncrementalAlterConfigOperationTypes.APPEND, value: 'compact' },
          { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '7200000' },
        ],
      },
    ],
  });
  cfg = await configs(['retention.ms', 'cleanup.policy']);
  check(cfg.get('cleanup.policy')?.value === 'delete,compact' && cfg.get('retention.ms')?.value === '7200000', 'incrementalAlterConfigs() should APPEND and SET', cfg);

  await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'segment.ms', value: '3600000' }] }] });
  cfg = await configs(['retention.ms', 'cleanup.policy', 'segment.ms']);
  check(cfg.get('segment.ms')?.value === '3600000' && cfg.get('cleanup.policy')?.value === 'delete' && cfg.get('retention.ms')?.configSource === 5, 'alterConfigs() should replace every override', cfg);

  await admin.createPartitions({ topics: [{ name: topic, count: 5 }] });
  const md = await admin.metadata({ topics: [topic], forceUpdate: true });
  check(md.topics.get(topic)?.partitionsCount === 5, `${topic} should have 5 partitions after createPartitions()`, md.topics.get(topic));

  const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], idempotent: false, serializers: stringSerializers });
  try {
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value: `m${i}` })) });
  } finally {
    await producer.close();
  }
  const [deleted] = await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 4n }] }] });
  check(deleted?.partitions[0]?.lowWatermark === 4n, 'deleteRecords(offset 4) should report low watermark 4', deleted);

  const [dirs] = await admin.describeLogDirs({ topics: [{ name: topic, partitions: [0, 1, 2, 3, 4] }] });
  const parts = dirs.results.flatMap((r) => r.topics.filter((t) => t.name === topic).flatMap((t) => t.partitions));
  check(parts.length === 5 && parts.find((p) => p.partitionIndex === 0)!.partitionSize > 0n, 'describeLogDirs() should list the 5 partitions, partition 0 with data', dirs);
  check(dirs.results.every((r) => r.totalBytes > 0n && r.usableBytes >= 0n), 'describeLogDirs() v4 should report disk space', dirs.results);

  await admin.deleteTopics({ topics: [topic] });
  const topics = await admin.listTopics();
  check(!topics.includes(topic), `listTopics() still has ${topic} after deleteTopics()`, topics);
} finally {
  await admin.close();
}
console.log(`@platformatic/kafka: created ${topic}, described and altered its configs, grew it to 5, deleted records, described log dirs, deleted it`);
