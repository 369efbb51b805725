import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/client/murmur2.js';
import { runnel, toolBroker } from './run-tool.js';

const t = toolBroker();

const KEYS = ['21', 'foobar', 'abc', 'k1', 'k2', 'k3', 'k4', 'k5'];

describe('runnel topics / console-producer / console-consumer', { timeout: 90_000 }, () => {
  it('creates a topic with 3 partitions, produces keyed lines, consumes them back with keys and partitions', async () => {
    const create = await runnel(['topics', ...t.bs, '--create', '--topic', 'cli-keyed', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000']);
    expect(create).toMatchObject({ code: 0, stdout: 'Created topic cli-keyed.\n', stderr: '' });

    const again = await runnel(['topics', ...t.bs, '--create', '--topic', 'cli-keyed', '--partitions', '3']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain("Topic 'cli-keyed' already exists");
    expect((await runnel(['topics', ...t.bs, '--create', '--topic', 'cli-keyed', '--partitions', '3', '--if-not-exists'])).code).toBe(0);

    const list = await runnel(['topics', ...t.bs, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('cli-keyed');

    const desc = await runnel(['topics', ...t.bs, '--describe', '--topic', 'cli-keyed']);
    expect(desc.code).toBe(0);
    const lines = desc.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Topic: cli-keyed\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: .*retention\.ms=3600000/);
    expect(lines.slice(1)).toEqual([0, 1, 2].map((p) => `\tTopic: cli-keyed\tPartition: ${p}\tLeader: ${t.broker.nodeId}\tReplicas: ${t.broker.nodeId}\tIsr: ${t.broker.nodeId}\tElr: N/A\tLastKnownElr: N/A`));

    const input = KEYS.map((k, i) => `${k}:value-${i}`).join('\n') + '\n';
    const produce = await runnel(['console-producer', ...t.bs, '--topic', 'cli-keyed', '--property', 'parse.key=true', '--property', 'key.separator=:'], input);
    expect(produce).toMatchObject({ code: 0, stderr: '' });

    const consume = await runnel([
      'console-consumer', ...t.bs, '--topic', 'cli-keyed', '--from-beginning', '--max-messages', String(KEYS.length),
      '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'key.separator=|',
    ]);
    expect(consume.code).toBe(0);
    expect(consume.stderr).toBe(`Processed a total of ${KEYS.length} messages\n`);
    const got = consume.stdout.trimEnd().split('\n').sort();
    const want = KEYS.map((k, i) => `Partition:${partitionForKey(Buffer.from(k), 3)}|${k}|value-${i}`).sort();
    expect(got).toEqual(want);
    // Kafka's Java client puts "21" and "foobar" in partition 0 of 3
    expect(got).toContain('Partition:0|21|value-0');
    expect(got).toContain('Partition:0|foobar|value-1');

    // one partition from an offset, with offsets printed
    const p0 = KEYS.filter((k) => partitionForKey(Buffer.from(k), 3) === 0);
    const one = await runnel(['console-consumer', ...t.bs, '--topic', 'cli-keyed', '--partition', '0', '--offset', '1', '--timeout-ms', '1000', '--property', 'print.offset=true']);
    expect(one.code).toBe(0);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(p0.length - 1);
    expect(one.stdout.startsWith('Offset:1\t')).toBe(true);
  });

  it('produces compressed and unkeyed lines, consumes them in a group and commits', async () => {
    await runnel(['topics', ...t.bs, '--create', '--topic', 'cli-plain', '--partitions', '2']);
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const r = await runnel(['console-producer', ...t.bs, '--topic', 'cli-plain', '--compression-codec', codec, '--producer-property', 'acks=all'], `${codec}-a\n${codec}-b\n`);
      expect(r).toMatchObject({ code: 0, stderr: '' });
    }
    const first = await runnel(['console-consumer', ...t.bs, '--topic', 'cli-plain', '--group', 'cli-g', '--from-beginning', '--timeout-ms', '1500']);
    expect(first.code).toBe(0);
    expect(first.stdout.trimEnd().split('\n').sort()).toEqual(['gzip-a', 'gzip-b', 'lz4-a', 'lz4-b', 'snappy-a', 'snappy-b', 'zstd-a', 'zstd-b']);
    // the offsets were committed on exit: a second run finds nothing new
    const second = await runnel(['console-consumer', ...t.bs, '--topic', 'cli-plain', '--group', 'cli-g', '--from-beginning', '--timeout-ms', '1000']);
    expect(second).toMatchObject({ code: 0, stdout: '', stderr: 'Processed a total of 0 messages\n' });
  });

  it('alters and deletes a topic', async () => {
    await runnel(['topics', ...t.bs, '--create', '--topic', 'cli-alter', '--partitions', '1']);
    expect((await runnel(['topics', ...t.bs, '--alter', '--topic', 'cli-alter', '--partitions', '4'])).code).toBe(0);
    const desc = await runnel(['topics', ...t.bs, '--describe', '--topic', 'cli-alter']);
    expect(desc.stdout).toContain('PartitionCount: 4');
    expect((await runnel(['topics', ...t.bs, '--delete', '--topic', 'cli-alter'])).code).toBe(0);
    const gone = await runnel(['topics', ...t.bs, '--describe', '--topic', 'cli-alter']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^runnel topics: Topic 'cli-alter' does not exist as expected.*\n$/);
  });

  it('fails with exit code 1 and one line: unreachable broker, unknown topic, bad flags', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['topics', '--bootstrap-server', '127.0.0.1:1', '--list'], /^runnel topics: cannot connect to 127\.0\.0\.1:1: ECONNREFUSED\n$/],
      [['console-consumer', '--bootstrap-server', '127.0.0.1:1', '--topic', 't'], /^runnel console-consumer: cannot connect to 127\.0\.0\.1:1: ECONNREFUSED\n$/],
      [['console-producer', ...t.bs, '--topic', 'no-such-topic'], /^runnel console-producer: topic 'no-such-topic': UNKNOWN_TOPIC_OR_PARTITION\n$/],
      [['console-consumer', ...t.bs, '--topic', 'no-such-topic'], /^runnel console-consumer: topic 'no-such-topic': UNKNOWN_TOPIC_OR_PARTITION\n$/],
      [['topics', ...t.bs, '--list', '--bogus'], /^runnel topics: unknown option '--bogus' \(see runnel topics --help\)\n$/],
      [['topics', ...t.bs], /^runnel topics: give exactly one of/],
      [['console-producer', ...t.bs], /^runnel console-producer: missing required option --topic/],
      [['console-consumer', ...t.bs, '--topic', 't', '--offset', '3'], /^runnel console-consumer: --offset needs --partition/],
      [['console-producer', ...t.bs, '--topic', 't', '--compression-codec', 'brotli'], /^runnel console-producer: unknown compression codec 'brotli'/],
    ];
    for (const [args, re] of cases) {
      const r = await runnel(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('prints --help for every tool', async () => {
    for (const tool of ['topics', 'console-producer', 'console-consumer']) {
      const r = await runnel([tool, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: runnel ${tool}`);
    }
    const top = await runnel(['--help']);
    expect(top.stdout).toContain('console-consumer');
  });
});
