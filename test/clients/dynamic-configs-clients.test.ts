/**
 * Dynamic broker configs and broker loggers with real admin clients: kafkajs (AlterConfigs /
 * DescribeConfigs on BROKER and BROKER_LOGGER resources) and confluent-kafka (librdkafka's
 * alter_configs / describe_configs on a BROKER resource, run with /usr/bin/python3).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';

const run = promisify(execFile);
const NODE = 7;
let broker: Broker;

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'node.id': NODE } });
});
afterAll(async () => {
  await broker?.close();
});

describe('kafkajs admin', () => {
  it('alters and describes dynamic broker configs and log levels', async () => {
    const kafka = new Kafka({ clientId: 'dyn-configs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(NODE), configEntries: [{ name: 'log.retention.ms', value: '7200000' }] }] });
      const d = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(NODE), configNames: ['log.retention.ms'] }] });
      expect(d.resources[0].configEntries[0]).toMatchObject({ configName: 'log.retention.ms', configValue: '7200000', readOnly: false, configSource: 2 });
      await expect(
        admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(NODE), configEntries: [{ name: 'num.partitions', value: '3' }] }] }),
      ).rejects.toMatchObject({ type: 'INVALID_REQUEST' });
      const loggers = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER_LOGGER, name: String(NODE) }] });
      expect(loggers.resources[0].configEntries.map((e) => e.configName)).toContain('runnel.storage');
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(NODE), configEntries: [] }] });
    } finally {
      await admin.disconnect();
    }
  });
});

describe('confluent-kafka (librdkafka) AdminClient', () => {
  it('alter_configs on this broker is applied, reported as DYNAMIC_BROKER_CONFIG, and survives in describe', async () => {
    const script = `
import sys
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
node = sys.argv[2]
res = ConfigResource(ConfigResource.Type.BROKER, node, set_config={"message.max.bytes": "3000000", "log.retention.ms": "86400000"})
admin.alter_configs([res], request_timeout=15)[res].result()
d = ConfigResource(ConfigResource.Type.BROKER, node)
cfg = admin.describe_configs([d], request_timeout=15)[d].result()
m = cfg["message.max.bytes"]
if m.value != "3000000" or m.source != ConfigSource.DYNAMIC_BROKER_CONFIG.value or m.is_read_only:
    sys.exit("message.max.bytes: %s source %s read-only %s" % (m.value, m.source, m.is_read_only))
if cfg["num.partitions"].is_read_only is not True:
    sys.exit("num.partitions should be read-only")
bad = ConfigResource(ConfigResource.Type.BROKER, node, set_config={"auto.create.topics.enable": "false"})
try:
    admin.alter_configs([bad], request_timeout=15)[bad].result()
    sys.exit("auto.create.topics.enable should be refused")
except Exception as e:
    if "Cannot update these configs dynamically" not in str(e):
        sys.exit("unexpected error: %s" % e)
print("ok")
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, broker.bootstrap, String(NODE)], { timeout: 60_000 });
    expect(stdout.trim()).toBe('ok');
    expect(broker.config.get('message.max.bytes')).toBe('3000000');
  }, 90_000);
});
