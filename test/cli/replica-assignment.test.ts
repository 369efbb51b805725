/**
 * `runnel topics --create/--alter --replica-assignment` as kafka-topics.sh has it, on one node:
 * the lists reach CreateTopics/CreatePartitions, the tool's own checks (duplicates, lengths) and
 * the broker's (unknown broker) come back as one line and exit code 1.
 */
import { describe, expect, it } from 'vitest';
import { runnel, toolBroker } from './run-tool.js';
import { Client } from '../../src/client/client.js';

async function partitionCount(topic: string): Promise<number | undefined> {
  const client = await Client.connect(t.broker.bootstrap);
  try {
    const t = (await client.metadata([topic])).topics[0];
    return t && t.errorCode === 0 ? t.partitions.length : undefined;
  } finally {
    await client.close();
  }
}

const t = toolBroker();

describe('runnel topics --replica-assignment', { timeout: 90_000 }, () => {
  it('creates and grows a topic on the listed brokers', async () => {
    const n = t.broker.nodeId;
    const create = await runnel(['topics', ...t.bs, '--create', '--topic', 'ra-cli', '--replica-assignment', `${n},${n}`]);
    expect(create).toMatchObject({ code: 0, stdout: 'Created topic ra-cli.\n' });
    expect(await partitionCount('ra-cli')).toBe(2);
    // --alter names every partition, the existing ones too (TopicCommand skips them).
    const alter = await runnel(['topics', ...t.bs, '--alter', '--topic', 'ra-cli', '--partitions', '4', '--replica-assignment', `${n},${n},${n},${n}`]);
    expect(alter).toMatchObject({ code: 0, stderr: '' });
    expect(await partitionCount('ra-cli')).toBe(4);
  });

  it('refuses bad lists with one line', async () => {
    const n = t.broker.nodeId;
    const cases: Array<[string[], RegExp]> = [
      [['--create', '--topic', 'ra-dup', '--replica-assignment', `${n}:${n}`], /Partition replica lists may not contain duplicate entries: \d+/],
      [['--create', '--topic', 'ra-len', '--replica-assignment', `${n},${n}:${n + 1}`], /Partition 1 has different replication factor/],
      [['--create', '--topic', 'ra-both', '--partitions', '2', '--replica-assignment', `${n}`], /can't be used with option \[partitions\]/],
      [['--create', '--topic', 'ra-unknown', '--replica-assignment', `${n + 7}`], new RegExp(`includes broker ${n + 7}, but no such broker is registered`)],
      [['--alter', '--topic', 'ra-cli', '--partitions', '6', '--replica-assignment', `${n},${n},${n},${n},${n}`], /Attempted to add 2 additional partition\(s\), but only 1 assignment\(s\) were specified/],
    ];
    for (const [args, message] of cases) {
      const r = await runnel(['topics', ...t.bs, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await partitionCount('ra-unknown')).toBeUndefined();
  });
});
