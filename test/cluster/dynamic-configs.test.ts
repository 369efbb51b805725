/**
 * Cluster-wide dynamic broker configs: three broker processes on a real etcd. `runnel configs`
 * (spawned) changes the cluster default through one broker and every broker describes and applies
 * it (message.max.bytes, read on every produce: a batch over it is MESSAGE_TOO_LARGE on the
 * partition's leader); a per-broker change applies on that broker only; group configs reach every
 * broker; a broker that was down when the default changed has it when it comes back.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { TestCluster } from '../helpers/cluster.js';
import { startClusterWithAdmin, stopClusterWithAdmin } from '../helpers/cluster-client.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';
import { runnel } from '../cli/run-tool.js';

const TOPIC = 'cfg-cluster';
const DESCRIBE_CONFIGS = 32;
const INCREMENTAL_ALTER_CONFIGS = 44;
const BROKER = 4;
const GROUP = 32;
const SOURCE = { DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT: 3, DEFAULT: 5, GROUP: 8 };

let cluster: TestCluster;
let admin: Admin;
let kafka: Kafka;
let producer: Producer;
/** A partition each broker leads. */
const ledBy = new Map<number, number>();

beforeAll(async () => {
  ({ cluster, kafka, admin } = await startClusterWithAdmin('configs-test'));
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const md = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  for (const p of md.topics[0].partitions) if (!ledBy.has(p.leader)) ledBy.set(p.leader, p.partitionId);
  producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 100 } });
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined);
  await stopClusterWithAdmin(cluster, admin);
});

/** message.max.bytes as broker `id` describes itself: value and source. */
async function described(id: number, key: string): Promise<{ value: string | null; source: number }> {
  const w = await KafkaWire.connect(cluster.broker(id).port);
  try {
    const r: any = await w.request(DESCRIBE_CONFIGS, 4, { resources: [{ resourceType: BROKER, resourceName: String(id), configurationKeys: [key] }], includeSynonyms: false, includeDocumentation: false });
    const c = r.results[0].configs[0];
    return { value: c.value, source: c.configSource };
  } finally {
    await w.close();
  }
}

/** Produces a record of `bytes` to the partition broker `id` leads: 'ok' or the error's type. */
async function produceTo(id: number, bytes: number): Promise<string> {
  try {
    await producer.send({ topic: TOPIC, acks: 1, messages: [{ partition: ledBy.get(id)!, value: Buffer.alloc(bytes, 'x') }] });
    return 'ok';
  } catch (e) {
    const err = e as { type?: string; cause?: { type?: string }; message: string };
    return err.type ?? err.cause?.type ?? err.message;
  }
}

async function configs(bootstrap: string, ...args: string[]) {
  const r = await runnel(['configs', '--bootstrap-server', bootstrap, ...args], '', 60_000);
  if (r.code !== 0) throw new Error(`runnel configs ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('dynamic broker configs in a cluster', { timeout: 180_000 }, () => {
  it('every broker leads a partition of the test topic', () => {
    expect([...ledBy.keys()].sort()).toEqual([1, 2, 3]);
  });

  it('the cluster default set through one broker reaches every broker: described and in effect', async () => {
    for (const id of [1, 2, 3]) expect(await produceTo(id, 3000)).toBe('ok');
    const out = await configs(cluster.broker(1).bootstrap, '--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', 'message.max.bytes=2000');
    expect(out).toBe('Completed updating default config for brokers in the cluster.\n');
    for (const id of [1, 2, 3]) {
      await until(`broker ${id} describes the new default`, async () => {
        const d = await described(id, 'message.max.bytes');
        return d.value === '2000' && d.source === SOURCE.DYNAMIC_DEFAULT ? d : undefined;
      });
      expect(await produceTo(id, 3000)).toBe('MESSAGE_TOO_LARGE');
      expect(await produceTo(id, 500)).toBe('ok');
    }
    // The default as the tool describes it, through another broker.
    const desc = await configs(cluster.broker(3).bootstrap, '--entity-type', 'brokers', '--entity-default', '--describe');
    expect(desc).toBe('Default configs for brokers in the cluster are:\n  message.max.bytes=2000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=2000}\n');
  });

  it('a per-broker change applies on that broker only; another broker refuses it as Kafka does', async () => {
    const out = await configs(cluster.bootstrap, '--broker', '2', '--alter', '--add-config', 'message.max.bytes=100000');
    expect(out).toBe('Completed updating config for broker 2.\n');
    expect(await described(2, 'message.max.bytes')).toEqual({ value: '100000', source: SOURCE.DYNAMIC_BROKER });
    expect(await produceTo(2, 3000)).toBe('ok');
    for (const id of [1, 3]) {
      expect(await described(id, 'message.max.bytes')).toEqual({ value: '2000', source: SOURCE.DYNAMIC_DEFAULT });
      expect(await produceTo(id, 3000)).toBe('MESSAGE_TOO_LARGE');
    }
    const desc = await configs(cluster.bootstrap, '--broker', '2', '--describe');
    expect(desc).toBe(
      'Dynamic configs for broker 2 are:\n' +
        '  message.max.bytes=100000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:message.max.bytes=100000, DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n',
    );
    // Kafka's ConfigAdminManager: a broker's own configs are altered on that broker.
    const w = await KafkaWire.connect(cluster.broker(1).port);
    try {
      const r: any = await w.request(INCREMENTAL_ALTER_CONFIGS, 1, {
        resources: [{ resourceType: BROKER, resourceName: '2', configs: [{ name: 'message.max.bytes', configOperation: 0, value: '5' }] }],
        validateOnly: false,
      });
      expect(r.responses[0]).toMatchObject({ errorCode: 42, errorMessage: 'Unexpected broker id, expected 1, but received 2' });
    } finally {
      await w.close();
    }
  });

  it('group configs altered through one broker are described by every broker', async () => {
    const out = await configs(cluster.broker(1).bootstrap, '--group', 'cfg-group', '--alter', '--add-config', 'consumer.heartbeat.interval.ms=6000');
    expect(out).toBe('Completed updating config for group cfg-group.\n');
    for (const id of [1, 2, 3]) {
      await until(`broker ${id} describes the group config`, async () => {
        const w = await KafkaWire.connect(cluster.broker(id).port);
        try {
          const r: any = await w.request(DESCRIBE_CONFIGS, 4, { resources: [{ resourceType: GROUP, resourceName: 'cfg-group', configurationKeys: ['consumer.heartbeat.interval.ms'] }], includeSynonyms: false, includeDocumentation: false });
          const c = r.results[0].configs[0];
          return c.value === '6000' && c.configSource === SOURCE.GROUP ? c : undefined;
        } finally {
          await w.close();
        }
      });
    }
  });

  it('a broker that was down when the default changed applies it when it comes back', async () => {
    const b3 = cluster.broker(3);
    await b3.signal('SIGTERM');
    await configs(cluster.broker(1).bootstrap, '--broker-defaults', '--alter', '--delete-config', 'message.max.bytes', '--add-config', 'log.retention.ms=123456');
    for (const id of [1, 2]) await until(`broker ${id} applies the change`, async () => ((await described(id, 'log.retention.ms')).value === '123456' ? true : undefined));
    await b3.start(60_000);
    expect(await described(3, 'log.retention.ms')).toEqual({ value: '123456', source: SOURCE.DYNAMIC_DEFAULT });
    expect(await described(3, 'message.max.bytes')).toEqual({ value: '1048588', source: SOURCE.DEFAULT });
    expect(await until('broker 3 leads again and takes a 3000-byte record', async () => ((await produceTo(3, 3000)) === 'ok' ? true : undefined), 60_000, 500)).toBe(true);
  });
});
