/** kafka-reassign-partitions.sh's files and texts (src/cli/reassign-json.ts), checked against Kafka's ReassignPartitionsCommand formats. */
import { describe, expect, it } from 'vitest';
import {
  checkExecuteTargets,
  followerThrottles,
  formatReassignmentJson,
  leaderThrottles,
  listText,
  parseBrokerList,
  parseReassignmentJson,
  parseTopicsToMove,
  proposedMoves,
  reassigningBrokers,
  statusText,
} from '../../src/cli/reassign-json.js';

describe('reassignment JSON', () => {
  it('parses Kafka\'s file (log_dirs optional, version defaults to 1) and formats it back compact and sorted, with "any" log dirs', () => {
    const text = '{"version":1,"partitions":[{"topic":"foo","partition":1,"replicas":[2,3],"log_dirs":["any","any"]},{"topic":"bar","partition":0,"replicas":[1]}]}';
    const parts = parseReassignmentJson(text);
    expect(parts).toEqual([
      { topic: 'foo', partition: 1, replicas: [2, 3] },
      { topic: 'bar', partition: 0, replicas: [1] },
    ]);
    expect(formatReassignmentJson(parts)).toBe('{"version":1,"partitions":[{"topic":"bar","partition":0,"replicas":[1],"log_dirs":["any"]},{"topic":"foo","partition":1,"replicas":[2,3],"log_dirs":["any","any"]}]}');
    expect(parseReassignmentJson('{"partitions":[]}')).toEqual([]);
  });

  it('refuses what Kafka refuses, with its messages', () => {
    expect(() => parseReassignmentJson('{"version":2,"partitions":[]}')).toThrow('Not supported version field value 2');
    expect(() => parseReassignmentJson('{"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any"]}]}')).toThrow(
      'Size of replicas list [1, 2] is different from size of log dirs list [any] for partition t-0',
    );
    expect(() => parseReassignmentJson('not json')).toThrow('not a valid JSON');
    expect(() => checkExecuteTargets([])).toThrow('Partition reassignment list cannot be empty');
    expect(() => checkExecuteTargets([{ topic: 't', partition: 0, replicas: [] }])).toThrow('Partition replica list cannot be empty');
    expect(() => checkExecuteTargets([{ topic: 't', partition: 0, replicas: [1] }, { topic: 't', partition: 0, replicas: [2] }])).toThrow('Partition reassignment contains duplicate topic partitions: t-0');
    expect(() => checkExecuteTargets([{ topic: 't', partition: 0, replicas: [1, 2, 1] }])).toThrow('Partition replica lists may not contain duplicate entries: t-0 contains multiple entries for 1');
  });

  it('topics to move and the broker list', () => {
    expect(parseTopicsToMove('{"topics":[{"topic":"foo"},{"topic":"bar"}],"version":1}')).toEqual(['foo', 'bar']);
    expect(parseBrokerList('1,2,4')).toEqual([1, 2, 4]);
    expect(() => parseBrokerList('1,2,1')).toThrow('Broker list contains duplicate entries: 1');
  });
});

describe('throttled replicas of a move (Kafka calculateProposedMoveMap / calculate*Throttles)', () => {
  it('leader throttles on the sources, follower throttles on the new replicas, every broker involved', () => {
    const current = new Map([
      ['t-0', [1, 2]],
      ['t-1', [2, 3]],
    ]);
    const moves = proposedMoves([], [{ topic: 't', partition: 0, replicas: [2, 4] }, { topic: 't', partition: 1, replicas: [2, 3] }], current);
    expect(leaderThrottles(moves).get('t')).toBe('0:1,0:2,1:2,1:3');
    expect(followerThrottles(moves).get('t')).toBe('0:4');
    expect(reassigningBrokers(moves)).toEqual([1, 2, 3, 4]);
  });
  it('an ongoing reassignment\'s sources are its replicas without the adding ones', () => {
    const moves = proposedMoves([{ topic: 't', partition: 0, replicas: [4, 1, 2], addingReplicas: [4], removingReplicas: [1] }], [{ topic: 't', partition: 0, replicas: [5, 2] }], new Map([['t-0', [4, 1, 2]]]));
    expect(leaderThrottles(moves).get('t')).toBe('0:1,0:2');
    expect(followerThrottles(moves).get('t')).toBe('0:5');
  });
});

describe('texts', () => {
  it('--verify status lines', () => {
    expect(
      statusText([
        { topic: 'b', partition: 0, current: [1, 2], target: [1, 2], done: true },
        { topic: 'a', partition: 1, current: [3, 1], target: [3], done: false },
        { topic: 'a', partition: 0, current: [1], target: [2], done: true },
      ]),
    ).toBe(
      [
        'Status of partition reassignment:',
        'There is no active reassignment of partition a-0, but replica set is 1 rather than 2.',
        'Reassignment of partition a-1 is still in progress.',
        'Reassignment of partition b-0 is completed.',
      ].join('\n'),
    );
  });
  it('--list', () => {
    expect(listText([])).toBe('No partition reassignments found.');
    expect(listText([{ topic: 't', partition: 0, replicas: [4, 1, 2], addingReplicas: [4], removingReplicas: [1] }, { topic: 's', partition: 2, replicas: [1, 2], addingReplicas: [2], removingReplicas: [] }])).toBe(
      'Current partition reassignments:\ns-2: replicas: 1,2. adding: 2.\nt-0: replicas: 4,1,2. adding: 4. removing: 1.',
    );
  });
});
