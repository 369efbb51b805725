/** The decisions of ElectLeaders and of the automatic leader rebalance, alone. */
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../../src/cluster/etcd/election.js';
import { electionOutcome, PREFERRED, rebalanceCandidates, UNCLEAN } from '../../../src/cluster/etcd/preferred-election.js';
import { MetadataImage, topicImage, type PartitionImage } from '../../../src/cluster/metadata-image.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const view = (alive: number[], down: number[] = []): ClusterView => ({ alive: (id) => alive.includes(id), shuttingDown: (id) => down.includes(id) });

describe('preferred election', () => {
  it('makes the first replica the leader when it is alive and in the ISR, keeping the ISR', () => {
    expect(electionOutcome(PREFERRED, { leader: 2, isr: [2, 3, 1] }, [1, 2, 3], view([1, 2, 3]))).toEqual({ error: 0, next: { leader: 1, isr: [2, 3, 1] } });
    // From no leader at all, too.
    expect(electionOutcome(PREFERRED, { leader: -1, isr: [1] }, [1, 2], view([1, 2]))).toEqual({ error: 0, next: { leader: 1, isr: [1] } });
  });

  it('is not needed when the preferred replica already leads', () => {
    expect(electionOutcome(PREFERRED, { leader: 1, isr: [1, 2] }, [1, 2], view([1, 2])).error).toBe(ErrorCode.ELECTION_NOT_NEEDED);
  });

  it('refuses a preferred replica that is dead, shutting down or out of the ISR', () => {
    const na = ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE;
    expect(electionOutcome(PREFERRED, { leader: 2, isr: [2, 1] }, [1, 2], view([2])).error).toBe(na);
    expect(electionOutcome(PREFERRED, { leader: 2, isr: [2, 1] }, [1, 2], view([1, 2], [1])).error).toBe(na);
    expect(electionOutcome(PREFERRED, { leader: 2, isr: [2] }, [1, 2], view([1, 2])).error).toBe(na);
    expect(electionOutcome(PREFERRED, { leader: -1, isr: [] }, [], view([1])).error).toBe(na);
  });
});

describe('unclean election', () => {
  it('is not needed for a partition that has a leader (even a non-preferred one)', () => {
    expect(electionOutcome(UNCLEAN, { leader: 2, isr: [2] }, [1, 2], view([1, 2])).error).toBe(ErrorCode.ELECTION_NOT_NEEDED);
  });

  it('takes a live ISR member first, then any live replica alone in the ISR', () => {
    expect(electionOutcome(UNCLEAN, { leader: -1, isr: [3, 2] }, [1, 2, 3], view([1, 2, 3]))).toEqual({ error: 0, next: { leader: 2, isr: [3, 2] } });
    expect(electionOutcome(UNCLEAN, { leader: -1, isr: [1] }, [1, 2, 3], view([3, 2]))).toEqual({ error: 0, next: { leader: 2, isr: [2] } });
    // A replica shutting down is not taken.
    expect(electionOutcome(UNCLEAN, { leader: -1, isr: [1] }, [1, 2, 3], view([3, 2], [2]))).toEqual({ error: 0, next: { leader: 3, isr: [3] } });
  });

  it('refuses when no replica is alive', () => {
    expect(electionOutcome(UNCLEAN, { leader: -1, isr: [1] }, [1, 2], view([3])).error).toBe(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  });
});

function image(partitions: Record<string, Array<[number[], number, number[]]>>, brokers: number[]): MetadataImage {
  const topics = new Map(
    Object.entries(partitions).map(([name, ps]) => [
      name,
      topicImage({ name, id: `id-${name}`, configs: {} }, ps.map(([replicas, leader, isr], i): PartitionImage => ({ partition: i, replicas, leader, isr, leaderEpoch: 0, partitionEpoch: 0 }))),
    ]),
  );
  return new MetadataImage('c', 1, new Map(brokers.map((id) => [id, { id, rack: null, endpoints: [] }])), topics, { supported: [], finalized: [], epoch: 0n });
}

describe('rebalance candidates', () => {
  it('moves leadership back for a broker whose share of foreign-led preferred partitions is above the percentage', () => {
    const img = image(
      {
        a: [
          [[1, 2, 3], 2, [1, 2, 3]],
          [[2, 3, 1], 2, [1, 2, 3]],
          [[3, 1, 2], 3, [1, 2, 3]],
        ],
      },
      [1, 2, 3],
    );
    expect(rebalanceCandidates(img, view([1, 2, 3]), 10)).toEqual([{ topic: 'a', partition: 0 }]);
  });

  it('leaves a broker whose imbalance ratio is not above the percentage', () => {
    // Broker 1 is preferred for 10 partitions, one led elsewhere: 10 %, not above 10 %.
    const parts: Array<[number[], number, number[]]> = Array.from({ length: 10 }, (_, i) => [[1, 2], i === 0 ? 2 : 1, [1, 2]]);
    expect(rebalanceCandidates(image({ t: parts }, [1, 2]), view([1, 2]), 10)).toEqual([]);
    expect(rebalanceCandidates(image({ t: parts }, [1, 2]), view([1, 2]), 9)).toEqual([{ topic: 't', partition: 0 }]);
  });

  it('skips partitions whose preferred replica cannot lead (out of the ISR, dead)', () => {
    const img = image(
      {
        t: [
          [[1, 2], 2, [2]],
          [[1, 2], 2, [2, 1]],
        ],
      },
      [1, 2],
    );
    expect(rebalanceCandidates(img, view([1, 2]), 10)).toEqual([{ topic: 't', partition: 1 }]);
    expect(rebalanceCandidates(img, view([2]), 10)).toEqual([]);
  });
});
