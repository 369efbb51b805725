/**
 * `runnel leader-election` as a spawned process against a single node (where every partition
 * already has its preferred leader): Kafka's flags, JSON file, output lines and exit codes. The
 * elections themselves are in test/cluster/leader-election.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { exceptionName, parseElectionJson } from '../../src/cli/leader-election.js';
import { runnel } from './run-tool.js';

let broker: Broker;
let bs: string[];
let dir: string;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  bs = ['--bootstrap-server', `127.0.0.1:${broker.port}`];
  dir = await mkdtemp(join(tmpdir(), 'runnel-le-'));
  const r = await runnel(['topics', ...bs, '--create', '--topic', 'le', '--partitions', '2']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await broker?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runnel leader-election', { timeout: 180_000 }, () => {
  it('answers "Valid replica already elected" for partitions that have their preferred leader (exit 0)', async () => {
    const one = await runnel(['leader-election', ...bs, '--election-type', 'preferred', '--topic', 'le', '--partition', '1']);
    expect(one).toMatchObject({ code: 0, stdout: 'Valid replica already elected for partitions le-1\n', stderr: '' });
    const file = join(dir, 'p.json');
    await writeFile(file, JSON.stringify({ partitions: [{ topic: 'le', partition: 1 }, { topic: 'le', partition: 0 }] }));
    const json = await runnel(['leader-election', ...bs, '--election-type', 'UNCLEAN', '--path-to-json-file', file]);
    expect(json).toMatchObject({ code: 0, stdout: 'Valid replica already elected for partitions le-0, le-1\n' });
    // All partitions: only those that needed an election are listed, so nothing is printed.
    const all = await runnel(['leader-election', ...bs, '--election-type', 'preferred', '--all-topic-partitions']);
    expect(all).toMatchObject({ code: 0, stdout: '' });
  });

  it('prints a failed partition as Kafka does and exits 1', async () => {
    const r = await runnel(['leader-election', ...bs, '--election-type', 'preferred', '--topic', 'nope', '--partition', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('Error completing leader election (PREFERRED) for partition: nope-0: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such topic as nope\n');
    expect(r.stderr).toBe('1 replica(s) could not be elected\n');
  });

  it('refuses bad command lines with Kafka\'s messages', async () => {
    const cases: Array<[string[], string]> = [
      [['--election-type', 'preferred', '--all-topic-partitions'], 'Missing required option(s): bootstrap-server'],
      [[...bs, '--all-topic-partitions'], 'Missing required option(s): election-type'],
      [[...bs, '--election-type', 'preferred'], 'One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file'],
      [[...bs, '--election-type', 'preferred', '--all-topic-partitions', '--topic', 'le', '--partition', '0'], 'One and only one of the following options is required'],
      [[...bs, '--election-type', 'preferred', '--topic', 'le'], 'Missing required option(s): partition'],
      [[...bs, '--election-type', 'preferred', '--all-topic-partitions', '--partition', '0'], 'Option partition is only allowed if topic is used'],
      [[...bs, '--election-type', 'dirty', '--all-topic-partitions'], 'is not one of [PREFERRED, UNCLEAN]'],
    ];
    for (const [args, message] of cases) {
      const r = await runnel(['leader-election', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });

  it('reads Kafka\'s JSON and refuses duplicates or a missing "partitions" field', () => {
    expect(parseElectionJson('{"partitions":[{"topic":"a","partition":1},{"topic":"b","partition":0}]}')).toEqual([
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
    ]);
    expect(() => parseElectionJson('{"partitions":[{"topic":"a","partition":1},{"topic":"a","partition":1}]}')).toThrow('Replica election data contains duplicate partitions: a-1');
    expect(() => parseElectionJson('{"other":[]}')).toThrow('Replica election data is missing "partitions" field');
    expect(() => parseElectionJson('{"partitions":[{"topic":"a","partition":"x"}]}')).toThrow('integer "partition"');
  });

  it('names the exceptions as Kafka\'s admin client raises them', () => {
    expect(exceptionName(80)).toBe('org.apache.kafka.common.errors.PreferredLeaderNotAvailableException');
    expect(exceptionName(83)).toBe('org.apache.kafka.common.errors.EligibleLeadersNotAvailableException');
    expect(exceptionName(7)).toBe('org.apache.kafka.common.errors.TimeoutException');
  });
});
