/**
 * `runnel configs` (kafka-configs.sh) as a spawned process against one broker: describe, alter
 * and delete-config of topics, brokers (this broker and the cluster default), broker loggers and
 * groups with Kafka's output lines, and bad input with ConfigCommand's messages and exit code 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { runnel } from './run-tool.js';

let broker: Broker;
let bs: string[];
let id: string;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  bs = ['--bootstrap-server', `127.0.0.1:${broker.port}`];
  id = String(broker.nodeId);
  const r = await runnel(['topics', ...bs, '--create', '--topic', 'cfg-t', '--partitions', '1']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await broker?.close();
});

const configs = (...args: string[]) => runnel(['configs', ...bs, ...args], '', 30_000);

describe('runnel configs', { timeout: 300_000 }, () => {
  it('topics: add (with a bracketed list), describe the dynamic configs, delete one', async () => {
    expect(await configs('--entity-type', 'topics', '--entity-name', 'cfg-t', '--alter', '--add-config', 'retention.ms=1000, cleanup.policy=[compact,delete]')).toEqual({
      code: 0,
      stdout: 'Completed updating config for topic cfg-t.\n',
      stderr: '',
    });
    expect((await configs('--topic', 'cfg-t', '--describe')).stdout).toBe(
      'Dynamic configs for topic cfg-t are:\n' +
        '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n' +
        '  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n',
    );
    expect((await configs('--topic', 'cfg-t', '--alter', '--delete-config', 'retention.ms')).stdout).toBe('Completed updating config for topic cfg-t.\n');
    const all = await configs('--topic', 'cfg-t', '--describe', '--all');
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('All configs for topic cfg-t are:');
    expect(lines.find((l) => l.startsWith('  retention.ms='))).toMatch(/^  retention\.ms=604800000 sensitive=false synonyms=\{.*\}$/);
    expect(lines).toContain('  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}');
    expect(await configs('--topic', 'cfg-missing', '--describe')).toMatchObject({ code: 0, stdout: "The topic 'cfg-missing' doesn't exist and doesn't have dynamic config.\n" });
  });

  it('topics: --add-config-file; deleting a config that is not set is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runnel-cfg-'));
    const file = join(dir, 'add.properties');
    await writeFile(file, '# topic configs\nsegment.ms=3600000\nmax.message.bytes=5000\n');
    expect((await configs('--topic', 'cfg-t', '--alter', '--add-config-file', file)).stdout).toBe('Completed updating config for topic cfg-t.\n');
    expect((await configs('--topic', 'cfg-t', '--describe')).stdout).toContain('  segment.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.ms=3600000}\n');
    expect(await configs('--topic', 'cfg-t', '--alter', '--delete-config', 'retention.ms,segment.ms')).toEqual({ code: 1, stdout: '', stderr: 'Invalid config(s): retention.ms\n' });
  });

  it('brokers: the cluster default and this broker, described with their sources; a refused change', async () => {
    expect((await configs('--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', 'log.retention.ms=7200000')).stdout).toBe(
      'Completed updating default config for brokers in the cluster.\n',
    );
    expect((await configs('--broker', id, '--alter', '--add-config', 'message.max.bytes=2000000')).stdout).toBe(`Completed updating config for broker ${id}.\n`);
    expect((await configs('--broker-defaults', '--describe')).stdout).toBe(
      'Default configs for brokers in the cluster are:\n  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000}\n',
    );
    expect((await configs('--entity-type', 'brokers', '--describe')).stdout).toBe(
      `Dynamic configs for broker ${id} are:\n` +
        '  message.max.bytes=2000000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:message.max.bytes=2000000, DEFAULT_CONFIG:message.max.bytes=1048588}\n' +
        'Default configs for brokers in the cluster are:\n' +
        '  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000}\n',
    );
    expect((await configs('--broker-defaults', '--alter', '--delete-config', 'log.retention.ms')).code).toBe(0);
    expect((await configs('--broker-defaults', '--describe')).stdout).toBe('Default configs for brokers in the cluster are:\n');
    const args = ['--broker', id, '--alter', '--add-config', 'num.partitions=3'];
    expect(await configs(...args)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `Error while executing config command with args '${[...bs, ...args].join(' ')}'\n` +
        'java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.InvalidRequestException: Cannot update these configs dynamically: Set(num.partitions)\n',
    });
    expect(await configs('--broker', '99', '--describe')).toMatchObject({ code: 0, stdout: "The broker '99' doesn't exist and doesn't have dynamic config.\n" });
  });

  it('broker-loggers: describe, set a level, refuse an unknown logger', async () => {
    const before = await configs('--broker-logger', id, '--describe');
    expect(before.stdout.split('\n')[0]).toBe(`Dynamic configs for broker-logger ${id} are:`);
    expect(before.stdout).toMatch(/\n  runnel\.storage=[A-Z]+ sensitive=false synonyms=\{\}\n/);
    expect((await configs('--entity-type', 'broker-loggers', '--entity-name', id, '--alter', '--add-config', 'runnel.storage=DEBUG')).stdout).toBe(
      `Completed updating config for broker-logger ${id}.\n`,
    );
    expect((await configs('--broker-logger', id, '--describe')).stdout).toContain('  runnel.storage=DEBUG sensitive=false synonyms={}\n');
    expect(await configs('--broker-logger', id, '--alter', '--add-config', 'no.such.logger=DEBUG')).toEqual({ code: 1, stdout: '', stderr: 'Invalid broker logger(s): no.such.logger\n' });
  });

  it('groups: add, describe, delete', async () => {
    expect((await configs('--group', 'cfg-g', '--alter', '--add-config', 'consumer.session.timeout.ms=50000')).stdout).toBe('Completed updating config for group cfg-g.\n');
    expect((await configs('--entity-type', 'groups', '--entity-name', 'cfg-g', '--describe')).stdout).toBe(
      'Dynamic configs for group cfg-g are:\n' +
        '  consumer.session.timeout.ms=50000 sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:consumer.session.timeout.ms=50000, DEFAULT_CONFIG:group.consumer.session.timeout.ms=45000}\n',
    );
    expect((await configs('--group', 'cfg-g', '--alter', '--delete-config', 'consumer.session.timeout.ms')).code).toBe(0);
    expect((await configs('--group', 'cfg-g', '--describe')).stdout).toBe('Dynamic configs for group cfg-g are:\n');
  });

  it("bad input: ConfigCommand's messages, exit code 1", async () => {
    const bad = async (args: string[], stderr: string) => expect(await configs(...args)).toEqual({ code: 1, stdout: '', stderr: `${stderr}\n` });
    await bad(
      ['--entity-type', 'widgets', '--entity-name', 'x', '--describe'],
      'Invalid entity type widgets, the entity type must be one of broker-loggers, topics, clients, users, brokers, ips, client-metrics, groups with a --bootstrap-server or --bootstrap-controller argument',
    );
    await bad(['--entity-type', 'brokers', '--entity-name', id, '--entity-default', '--alter', '--add-config', 'log.retention.ms=1'], 'An entity name must be specified for every entity type');
    await bad(
      ['--topic', 'cfg-t', '--alter', '--add-config', 'retention.ms'],
      'Invalid entity config: all configs to be added must be in the format "key=val" or  "key=[val1,val2]" to group values which contain commas.',
    );
    await bad(['--topic', 'cfg-t', '--alter', '--add-config', 'ret ention.ms=1'], 'Invalid character found for config key: ret ention.ms');
    await bad(['--topic', 'cfg-t', '--alter'], 'At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
    await bad(['--entity-type', 'topics', '--alter', '--add-config', 'a=b'], 'An entity name must be specified with --alter of topics');
    await bad(['--entity-type', 'topics', '--entity-default', '--describe'], '--entity-default must not be specified with --describe of topics');
    await bad(['--broker', 'one', '--describe'], 'The entity name for brokers must be a valid integer broker id, but it is: one');
    await bad(['--topic', 'a', '--group', 'b', '--describe'], "Only 'users' and 'clients' entity types may be specified together");
    await bad(['--entity-name', 'x', '--topic', 'a', '--describe'], '--entity-{type,name,default} should not be used in conjunction with specific entity flags');
    const noAction = await configs('--topic', 'cfg-t');
    expect(noAction.code).toBe(1);
    expect(noAction.stderr.split('\n')[0]).toBe('Command must include exactly one action: --describe, --alter');
    const noServer = await runnel(['configs', '--topic', 'cfg-t', '--describe']);
    expect(noServer).toEqual({ code: 1, stdout: '', stderr: 'Either --bootstrap-server or --bootstrap-controller must be specified.\n' });
  });
});
