/**
 * Partition reassignment as Kafka's controller does it (ReplicationControlManager with
 * PartitionReassignmentReplicas, PartitionReassignmentRevert and PartitionChangeBuilder), as pure
 * functions from a partition's state to the next one; src/cluster/etcd/reassignment.ts writes them.
 *
 * A reassignment to `target` makes the replica set target ∪ current (target first), with
 * adding = target − current and removing = current − target. The new replicas follow the leader
 * and join the ISR once caught up; as soon as every adding replica is in the ISR and the ISR keeps
 * a member that stays, the reassignment completes: the replica set becomes the target, the
 * removed replicas leave the ISR, and the leader moves if it was being removed. A reassignment
 * that adds nothing (a reorder, or only removals) may complete at once. A new target while one is
 * in progress is computed from the current (merged) replica set, as Kafka does. Cancelling
 * reverts to the original replicas: the replica set and the ISR lose the adding replicas.
 */

/** The part of a partition's state a reassignment reads and changes. */
export interface ReplicaState {
  replicas: readonly number[];
  isr: readonly number[];
  leader: number;
  addingReplicas?: readonly number[];
  removingReplicas?: readonly number[];
}

export interface NextReplicaState {
  replicas: number[];
  isr: number[];
  leader: number;
  addingReplicas: number[];
  removingReplicas: number[];
}

/** A refusal, with Kafka's error code and message. */
export interface ReassignmentError {
  errorCode: number;
  message: string;
}

const INVALID_REPLICA_ASSIGNMENT = 39;
const NO_REASSIGNMENT_IN_PROGRESS = 85;

export function reassigning(s: ReplicaState): boolean {
  return (s.addingReplicas?.length ?? 0) > 0 || (s.removingReplicas?.length ?? 0) > 0;
}

/** Kafka's validateManualPartitionAssignment: not empty, every broker registered, none twice (checked in id order). */
export function targetError(target: readonly number[], registered: (id: number) => boolean): ReassignmentError | undefined {
  if (target.length === 0) return { errorCode: INVALID_REPLICA_ASSIGNMENT, message: 'The manual partition assignment includes an empty replica list.' };
  const sorted = [...target].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i];
    if (!registered(id)) return { errorCode: INVALID_REPLICA_ASSIGNMENT, message: `The manual partition assignment includes broker ${id}, but no such broker is registered.` };
    if (i > 0 && sorted[i - 1] === id) return { errorCode: INVALID_REPLICA_ASSIGNMENT, message: `The manual partition assignment includes the broker ${id} more than once.` };
  }
  return undefined;
}

/** The leader after a change: the current one if it stays in the ISR, else the first live replica in the ISR (or none). */
function leaderFor(replicas: readonly number[], isr: readonly number[], leader: number, alive: (id: number) => boolean): number {
  if (leader >= 0 && isr.includes(leader) && replicas.includes(leader) && alive(leader)) return leader;
  return replicas.find((r) => isr.includes(r) && alive(r)) ?? -1;
}

/**
 * Kafka's PartitionReassignmentReplicas.maybeCompleteReassignment: the completed state, or
 * undefined while an adding replica is not in sync (or no ISR member would stay, or no live
 * member could lead).
 */
export function completeReassignment(s: ReplicaState, alive: (id: number) => boolean): NextReplicaState | undefined {
  if (!reassigning(s)) return undefined;
  const removing = s.removingReplicas ?? [];
  const adding = s.addingReplicas ?? [];
  const isr = s.isr.filter((r) => !removing.includes(r));
  if (isr.length === 0 || adding.some((r) => !isr.includes(r))) return undefined;
  const replicas = s.replicas.filter((r) => !removing.includes(r));
  const leader = leaderFor(replicas, isr, s.leader, alive);
  if (leader < 0) return undefined;
  return { replicas, isr, leader, addingReplicas: [], removingReplicas: [] };
}

/**
 * Kafka's changePartitionReassignment: the state once a reassignment to `target` (already
 * validated) starts, completed at once when nothing needs to catch up; undefined when it changes
 * nothing (the target is the replica set as it is, with nothing in progress).
 */
export function startReassignment(s: ReplicaState, target: readonly number[], alive: (id: number) => boolean): NextReplicaState | undefined {
  const current = s.replicas;
  const merged = [...target, ...current.filter((r) => !target.includes(r))];
  const removing = current.filter((r) => !target.includes(r));
  const adding = target.filter((r) => !current.includes(r));
  const next: NextReplicaState = { replicas: merged, isr: [...s.isr], leader: s.leader, addingReplicas: adding, removingReplicas: removing };
  const done = completeReassignment(next, alive);
  if (done) return done;
  if (adding.length === 0 && removing.length === 0) {
    // Only the order changes (Kafka writes the new order and completes).
    return sameList(merged, current) && !reassigning(s) ? undefined : next;
  }
  return next;
}

/**
 * Kafka's cancelPartitionReassignment with PartitionReassignmentRevert: back to the original
 * replicas (the replica set without the adding ones), the ISR without them. When only adding
 * replicas are in sync, reverting is an unclean election: refused unless `uncleanAllowed`.
 */
export function revertReassignment(s: ReplicaState, alive: (id: number) => boolean, uncleanAllowed: boolean, name: string): NextReplicaState | ReassignmentError {
  if (!reassigning(s)) return { errorCode: NO_REASSIGNMENT_IN_PROGRESS, message: 'No partition reassignment is in progress.' };
  const adding = s.addingReplicas ?? [];
  const replicas = s.replicas.filter((r) => !adding.includes(r));
  let isr = s.isr.filter((r) => !adding.includes(r));
  if (isr.length === 0) {
    if (!uncleanAllowed) return { errorCode: INVALID_REPLICA_ASSIGNMENT, message: `Unable to revert partition assignment for ${name} because it would require an unclean leader election.` };
    isr = [replicas[0]];
  }
  return { replicas, isr, leader: leaderFor(replicas, isr, s.leader, alive), addingReplicas: [], removingReplicas: [] };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
