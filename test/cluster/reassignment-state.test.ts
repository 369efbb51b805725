/**
 * The reassignment state transitions (src/cluster/reassignment.ts) against Kafka's
 * PartitionReassignmentReplicas / PartitionReassignmentRevert / validateManualPartitionAssignment:
 * current state + target → next state, completion once the added replicas are in sync, revert.
 */
import { describe, expect, it } from 'vitest';
import { completeReassignment, revertReassignment, startReassignment, targetError } from '../../src/cluster/reassignment.js';

const all = () => true;
const aliveOf = (...ids: number[]) => (id: number) => ids.includes(id);

describe('targetError (Kafka validateManualPartitionAssignment)', () => {
  const registered = aliveOf(1, 2, 3);
  it('refuses an empty list, an unregistered broker, a broker twice', () => {
    expect(targetError([], registered)).toEqual({ errorCode: 39, message: 'The manual partition assignment includes an empty replica list.' });
    expect(targetError([1, 5], registered)).toEqual({ errorCode: 39, message: 'The manual partition assignment includes broker 5, but no such broker is registered.' });
    expect(targetError([2, 1, 2], registered)).toEqual({ errorCode: 39, message: 'The manual partition assignment includes the broker 2 more than once.' });
    // Checked in id order: the unregistered 0 comes before the duplicate 3.
    expect(targetError([3, 3, 0], registered)?.message).toContain('broker 0, but no such broker');
    expect(targetError([3, 1], registered)).toBeUndefined();
  });
});

describe('startReassignment', () => {
  it('moving a replica: replicas = target ∪ current, adding and removing, ISR and leader unchanged', () => {
    const next = startReassignment({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 }, [2, 3, 4], all);
    expect(next).toEqual({ replicas: [2, 3, 4, 1], isr: [1, 2, 3], leader: 1, addingReplicas: [4], removingReplicas: [1] });
  });

  it('only adding: replicas grow, nothing removed', () => {
    expect(startReassignment({ replicas: [1, 2], isr: [1, 2], leader: 2 }, [1, 2, 3], all)).toEqual({ replicas: [1, 2, 3], isr: [1, 2], leader: 2, addingReplicas: [3], removingReplicas: [] });
  });

  it('only removing completes at once; the leader moves off a removed replica to the first in-sync target replica', () => {
    expect(startReassignment({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 }, [3, 2], all)).toEqual({ replicas: [3, 2], isr: [2, 3], leader: 3, addingReplicas: [], removingReplicas: [] });
    // A dead first choice is skipped.
    expect(startReassignment({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 }, [3, 2], aliveOf(1, 2))?.leader).toBe(2);
  });

  it('a removal that would empty the ISR waits for the remaining replicas to catch up', () => {
    const next = startReassignment({ replicas: [1, 2], isr: [1], leader: 1 }, [2], all);
    expect(next).toEqual({ replicas: [2, 1], isr: [1], leader: 1, addingReplicas: [], removingReplicas: [1] });
    // Once 2 is in sync, it completes.
    expect(completeReassignment({ ...next!, isr: [1, 2] }, all)).toEqual({ replicas: [2], isr: [2], leader: 2, addingReplicas: [], removingReplicas: [] });
  });

  it('a reorder completes at once; the same list is no change', () => {
    expect(startReassignment({ replicas: [1, 2, 3], isr: [3, 1], leader: 3 }, [3, 2, 1], all)).toEqual({ replicas: [3, 2, 1], isr: [3, 1], leader: 3, addingReplicas: [], removingReplicas: [] });
    expect(startReassignment({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 }, [1, 2, 3], all)).toBeUndefined();
    expect(startReassignment({ replicas: [7], isr: [7], leader: 7 }, [7], all)).toBeUndefined();
  });

  it('a new target during a reassignment is computed from the merged replica set (Kafka)', () => {
    const moving = { replicas: [2, 3, 4, 1], isr: [1, 2, 3], leader: 1, addingReplicas: [4], removingReplicas: [1] };
    expect(startReassignment(moving, [2, 3, 5], all)).toEqual({ replicas: [2, 3, 5, 4, 1], isr: [1, 2, 3], leader: 1, addingReplicas: [5], removingReplicas: [4, 1] });
  });
});

describe('completeReassignment', () => {
  const moving = { replicas: [2, 3, 4, 1], isr: [1, 2, 3], leader: 1, addingReplicas: [4], removingReplicas: [1] };
  it('waits while an adding replica is out of sync', () => {
    expect(completeReassignment(moving, all)).toBeUndefined();
  });
  it('switches to the target once every adding replica is in the ISR: ISR shrinks to the target, the leader moves', () => {
    expect(completeReassignment({ ...moving, isr: [1, 2, 3, 4] }, all)).toEqual({ replicas: [2, 3, 4], isr: [2, 3, 4], leader: 2, addingReplicas: [], removingReplicas: [] });
  });
  it('keeps a leader that stays', () => {
    expect(completeReassignment({ ...moving, isr: [1, 2, 3, 4], leader: 3 }, all)?.leader).toBe(3);
  });
  it('nothing to complete without a reassignment', () => {
    expect(completeReassignment({ replicas: [1, 2], isr: [1, 2], leader: 1 }, all)).toBeUndefined();
  });
  it('does not complete with no live replica to lead', () => {
    expect(completeReassignment({ ...moving, isr: [1, 2, 3, 4] }, aliveOf(1))).toBeUndefined();
  });
});

describe('revertReassignment (Kafka PartitionReassignmentRevert)', () => {
  it('drops the adding replicas from the replicas and the ISR; the removing ones stay', () => {
    const moving = { replicas: [2, 3, 4, 1], isr: [1, 2, 3, 4], leader: 4, addingReplicas: [4], removingReplicas: [1] };
    expect(revertReassignment(moving, all, false, 't:0')).toEqual({ replicas: [2, 3, 1], isr: [1, 2, 3], leader: 2, addingReplicas: [], removingReplicas: [] });
    expect(revertReassignment({ ...moving, leader: 1 }, all, false, 't:0')).toMatchObject({ leader: 1 });
  });
  it('NO_REASSIGNMENT_IN_PROGRESS without one', () => {
    expect(revertReassignment({ replicas: [1], isr: [1], leader: 1 }, all, false, 't:0')).toEqual({ errorCode: 85, message: 'No partition reassignment is in progress.' });
  });
  it('only adding replicas in sync: unclean, refused unless allowed', () => {
    const s = { replicas: [4, 1], isr: [4], leader: 4, addingReplicas: [4], removingReplicas: [1] };
    expect(revertReassignment(s, all, false, 't:0')).toEqual({ errorCode: 39, message: 'Unable to revert partition assignment for t:0 because it would require an unclean leader election.' });
    expect(revertReassignment(s, all, true, 't:0')).toEqual({ replicas: [1], isr: [1], leader: 1, addingReplicas: [], removingReplicas: [] });
  });
});
