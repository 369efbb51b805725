/** The text of `runnel topics --describe` and its partition filters (Kafka's TopicCommand semantics). */
import { describe, it, expect } from 'vitest';
import { describeText, NO_FILTERS, type DescribedTopic, type DescribeFilters } from '../../src/cli/topic-describe.js';

const topic: DescribedTopic = {
  name: 't',
  topicId: 'AbCdEfGhIjKlMnOpQrStUw',
  overrides: [['min.insync.replicas', '2'], ['retention.ms', '1000']],
  minIsr: 2,
  partitions: [
    { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }, // healthy
    { partition: 1, leader: 2, replicas: [2, 3, 1], isr: [2, 1] }, // under-replicated, at min ISR
    { partition: 2, leader: 1, replicas: [3, 1, 2], isr: [1] }, // under-replicated, under min ISR
    { partition: 3, leader: undefined, replicas: [3, 2, 1], isr: [3] }, // offline
  ],
};
const live = new Set([1, 2]);

function only(f: Partial<DescribeFilters>): DescribeFilters {
  return { ...NO_FILTERS, ...f };
}

function partitionsPrinted(text: string): number[] {
  return [...text.matchAll(/\tPartition: (\d+)\t/g)].map((m) => Number(m[1]));
}

describe('runnel topics --describe text', () => {
  it('prints the topic line and every partition line as kafka-topics.sh does', () => {
    expect(describeText([topic], NO_FILTERS, live)).toBe(
      'Topic: t\tTopicId: AbCdEfGhIjKlMnOpQrStUw\tPartitionCount: 4\tReplicationFactor: 3\tConfigs: min.insync.replicas=2,retention.ms=1000\n' +
        '\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tElr: N/A\tLastKnownElr: N/A\n' +
        '\tTopic: t\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,1\tElr: N/A\tLastKnownElr: N/A\n' +
        '\tTopic: t\tPartition: 2\tLeader: 1\tReplicas: 3,1,2\tIsr: 1\tElr: N/A\tLastKnownElr: N/A\n' +
        '\tTopic: t\tPartition: 3\tLeader: none\tReplicas: 3,2,1\tIsr: 3\tElr: N/A\tLastKnownElr: N/A\n',
    );
  });

  it('leaves out the zero topic id, as Kafka does', () => {
    expect(describeText([{ ...topic, topicId: '', overrides: [] }], NO_FILTERS, live).split('\n')[0]).toBe('Topic: t\tPartitionCount: 4\tReplicationFactor: 3\tConfigs: ');
  });

  it('with a filter prints only matching partition lines and no topic line', () => {
    const text = describeText([topic], only({ underReplicated: true }), live);
    expect(text.startsWith('\tTopic: t\tPartition: 1\t')).toBe(true);
    expect(partitionsPrinted(text)).toEqual([1, 2, 3]);
    expect(partitionsPrinted(describeText([topic], only({ underMinIsr: true }), live))).toEqual([2, 3]);
    expect(partitionsPrinted(describeText([topic], only({ atMinIsr: true }), live))).toEqual([1]);
    expect(partitionsPrinted(describeText([topic], only({ unavailable: true }), live))).toEqual([3]);
  });

  it('counts a leader that is not a live broker as unavailable', () => {
    expect(partitionsPrinted(describeText([topic], only({ unavailable: true }), new Set([2, 3])))).toEqual([0, 2, 3]);
  });

  it('prints a partition once when several filters match it', () => {
    expect(partitionsPrinted(describeText([topic], only({ underReplicated: true, underMinIsr: true, atMinIsr: true, unavailable: true }), live))).toEqual([1, 2, 3]);
  });

  it('prints nothing when no partition matches', () => {
    const healthy: DescribedTopic = { ...topic, partitions: [topic.partitions[0]] };
    expect(describeText([healthy], only({ underReplicated: true, unavailable: true, underMinIsr: true }), live)).toBe('');
  });
});
