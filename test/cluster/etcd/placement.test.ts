/** Replica placement against Kafka's own expectations (AdminUtils' tests) and its invariants. */
import { describe, expect, it } from 'vitest';
import { assignNewPartitions, assignReplicas, assignmentError, rackAlternated, type PlacementBroker } from '../../../src/cluster/etcd/placement.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { TopicError } from '../../../src/cluster/topics.js';

const plain = (...ids: number[]): PlacementBroker[] => ids.map((id) => ({ id, rack: null }));
const racked = (m: Record<number, string>): PlacementBroker[] => Object.entries(m).map(([id, rack]) => ({ id: Number(id), rack }));

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TopicError ? e.errorCode : -999;
  }
  return undefined;
}

describe('placement: rack unaware', () => {
  it('matches Kafka for 5 brokers, 10 partitions, rf 3, start index 0', () => {
    expect(assignReplicas(plain(0, 1, 2, 3, 4), 10, 3, { startIndex: 0 })).toEqual([
      [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1],
      [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
    ]);
  });

  it('sorts brokers by id and never puts a broker twice in a partition', () => {
    for (let seed = 0; seed < 20; seed++) {
      let x = seed + 1;
      const random = () => ((x = (x * 48271) % 2147483647) / 2147483647);
      const a = assignReplicas(plain(7, 3, 5, 1), 12, 3, { random });
      for (const r of a) expect(new Set(r).size).toBe(3);
      // Leaders spread evenly: 12 partitions over 4 brokers, 3 each.
      const leaders = new Map<number, number>();
      for (const r of a) leaders.set(r[0], (leaders.get(r[0]) ?? 0) + 1);
      expect([...leaders.values()]).toEqual([3, 3, 3, 3]);
    }
  });

  it('refuses a replication factor above the live brokers (INVALID_REPLICATION_FACTOR)', () => {
    expect(codeOf(() => assignReplicas(plain(1, 2), 3, 3))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(codeOf(() => assignReplicas(plain(1, 2), 3, 0))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(codeOf(() => assignReplicas(plain(1, 2), 3, 2))).toBeUndefined();
  });
});

describe('placement: rack aware', () => {
  const map = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };

  it('alternates racks as Kafka does', () => {
    expect(rackAlternated(racked(map))).toEqual([0, 3, 1, 5, 4, 2]);
    const { 5: _, ...without5 } = map;
    expect(rackAlternated(racked(without5))).toEqual([0, 3, 1, 4, 2]);
  });

  it('matches Kafka for 6 brokers in 3 racks, 7 partitions, rf 3, start index 0', () => {
    expect(assignReplicas(racked(map), 7, 3, { startIndex: 0, startPartitionId: 0 })).toEqual([
      [0, 3, 1], [3, 1, 5], [1, 5, 4], [5, 4, 2], [4, 2, 0], [2, 0, 3], [0, 4, 2],
    ]);
  });

  it('puts each partition on as many racks as it can', () => {
    const a = assignReplicas(racked({ 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: 'c', 6: 'c' }), 30, 3);
    const rack = (id: number) => ({ 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: 'c', 6: 'c' })[id];
    for (const r of a) expect(new Set(r.map(rack)).size).toBe(3);
    const two = assignReplicas(racked({ 1: 'a', 2: 'a', 3: 'b', 4: 'b' }), 20, 3);
    for (const r of two) {
      expect(new Set(r).size).toBe(3);
      expect(new Set(r.map((id) => (id <= 2 ? 'a' : 'b'))).size).toBe(2);
    }
  });

  it('counts the brokers without a rack as one rack when only some brokers have one (Kafka 4\'s StripedReplicaPlacer)', () => {
    const mixed: PlacementBroker[] = [{ id: 0, rack: 'r1' }, { id: 1, rack: null }, { id: 2, rack: 'r1' }, { id: 3, rack: null }];
    expect(rackAlternated(mixed)).toEqual([1, 0, 3, 2]);
    const noRack = new Set([1, 3]);
    for (const r of assignReplicas(mixed, 12, 2)) expect(r.filter((id) => noRack.has(id))).toHaveLength(1);
    for (const r of assignReplicas(mixed, 12, 3)) expect(new Set(r).size).toBe(3);
  });
});

describe('placement: new partitions', () => {
  it('continue from partition 0 with its replica count', () => {
    const brokers = plain(0, 1, 2, 3, 4);
    const existing = assignReplicas(brokers, 5, 3, { startIndex: 0 });
    expect(assignNewPartitions(brokers, existing, 5)).toEqual(assignReplicas(brokers, 10, 3, { startIndex: 0 }).slice(5));
  });
});

describe('placement: explicit assignments', () => {
  const known = new Set([1, 2, 3]);
  it('accepts a consistent assignment of known brokers', () => {
    expect(assignmentError([[1, 2], [2, 3], [3, 1]], known)).toBeUndefined();
  });
  it('refuses a broker twice in a list', () => {
    expect(assignmentError([[1, 1]], known)?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });
  it('refuses an unknown broker', () => {
    expect(assignmentError([[1, 9]], known)?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });
  it('refuses lists of different lengths, and an empty list', () => {
    expect(assignmentError([[1, 2], [3]], known)?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(assignmentError([[1, 2]], known, 3)?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(assignmentError([[]], known)?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });
});

/** Kafka's AdminRackAwareTest.checkReplicaDistribution: racks per partition, leaders and replicas per broker. */
describe('placement: Kafka rack-aware distribution checks', () => {
  const check = (rackOf: Record<number, string>, a: number[][], rf: number, opts: { leaders?: boolean; replicas?: boolean; rackAware?: boolean } = {}) => {
    const brokers = Object.keys(rackOf).map(Number);
    const numRacks = new Set(Object.values(rackOf)).size;
    for (const r of a) {
      expect(r).toHaveLength(rf);
      expect(new Set(r).size).toBe(rf);
      if (opts.rackAware !== false) expect(new Set(r.map((id) => rackOf[id])).size).toBe(Math.min(rf, numRacks));
    }
    const count = (ids: number[]) => brokers.map((b) => ids.filter((x) => x === b).length);
    if (opts.leaders !== false) expect(new Set(count(a.map((r) => r[0]))).size).toBe(1);
    if (opts.replicas !== false) expect(new Set(count(a.flat())).size).toBe(1);
  };
  const sixIn3 = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };

  it('spreads 6 partitions x 3 replicas evenly over 6 brokers in 3 racks (start index 2, and random)', () => {
    check(sixIn3, assignReplicas(racked(sixIn3), 6, 3, { startIndex: 2, startPartitionId: 0 }), 3);
    check(sixIn3, assignReplicas(racked(sixIn3), 6, 3), 3);
  });

  it('keeps every partition on distinct racks with uneven replicas and uneven racks', () => {
    check(sixIn3, assignReplicas(racked(sixIn3), 13, 3, { startIndex: 0, startPartitionId: 0 }), 3, { leaders: false, replicas: false });
    const uneven = { 0: 'rack1', 1: 'rack1', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };
    check(uneven, assignReplicas(racked(uneven), 12, 3), 3, { replicas: false });
  });

  it('spreads 2 replicas, an expansion from partition 12, and 96 partitions over 12 brokers', () => {
    check(sixIn3, assignReplicas(racked(sixIn3), 12, 2), 2);
    check(sixIn3, assignReplicas(racked(sixIn3), 6, 2), 2);
    const shifted = { 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack3', 11: 'rack1' };
    check(shifted, assignReplicas(racked(shifted), 12, 2, { startPartitionId: 12 }), 2);
    const three = { 0: 'rack1', 1: 'rack2', 4: 'rack3' };
    check(three, assignReplicas(racked(three), 3, 2), 2);
    const twelve = { ...sixIn3, 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack1', 11: 'rack3' };
    check(twelve, assignReplicas(racked(twelve), 96, 3), 3);
  });

  it('uses every rack when there are more replicas than racks, and one rack when there is one', () => {
    const m = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack2' };
    for (const r of assignReplicas(racked(m), 6, 5)) expect(new Set(r.map((id) => m[id as keyof typeof m])).size).toBe(3);
    for (const r of assignReplicas(racked(m), 6, 2)) expect(new Set(r.map((id) => m[id as keyof typeof m])).size).toBe(2);
    const one = { 0: 'rack1', 1: 'rack1', 2: 'rack1', 3: 'rack1', 4: 'rack1', 5: 'rack1' };
    check(one, assignReplicas(racked(one), 6, 3), 3);
  });

  it('skips a broker that already holds a replica when racks run out (Kafka testSkipBrokerWithReplicaAlreadyAssigned)', () => {
    const m = { 0: 'a', 1: 'b', 2: 'c', 3: 'a', 4: 'a' };
    check(m, assignReplicas(racked(m), 6, 4, { startIndex: 2 }), 4, { rackAware: false, leaders: false, replicas: false });
  });
});
