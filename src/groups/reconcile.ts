/**
 * A consumer-protocol member's way from its current assignment to its target (KIP-848, Kafka's
 * CurrentAssignmentBuilder). Partitions it must give up are first listed as pending revocation and
 * left out of what it is told to own; it stays at its epoch until a heartbeat reports it no longer
 * owns them. Only then does it move to the target epoch and get the new partitions, each one only
 * once its previous owner has released it (until then the member waits in unreleased_partitions).
 */
import type { Assignment } from './assignors.js';

export type MemberState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';

export interface CurrentAssignment {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  /** What the member owns and is told it owns. */
  assigned: Assignment;
  /** What it still owns but must give up. */
  pendingRevocation: Assignment;
}

export interface OwnedPartitions {
  topicId: string;
  partitions: number[];
}

export interface ReconcileInput {
  targetEpoch: number;
  target: Assignment;
  /** TopicPartitions of the heartbeat; null when the member did not report them. */
  owned: OwnedPartitions[] | null;
  /** Topics the member subscribes to: a target partition of another topic is treated as not assigned. */
  subscribedTopicIds: ReadonlySet<string>;
  /** Whether another member still owns (or is revoking) the partition. */
  ownedByOther: (topicId: string, partition: number) => boolean;
}

export const isReconciledTo = (m: CurrentAssignment, epoch: number): boolean => m.state === 'stable' && m.memberEpoch === epoch;

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (!other || other.size !== ps.size) return false;
    for (const p of ps) if (!other.has(p)) return false;
  }
  return true;
}

/** Whether the heartbeat still reports one of these partitions (or reported nothing). */
function stillOwns(owned: OwnedPartitions[] | null, revoking: Assignment): boolean {
  if (owned === null) return true;
  for (const tp of owned) {
    const r = revoking.get(tp.topicId);
    if (r && tp.partitions.some((p) => r.has(p))) return true;
  }
  return false;
}

/** The member's next state; the same object when nothing can move. */
export function reconcile(m: CurrentAssignment, input: ReconcileInput): CurrentAssignment {
  if (isReconciledTo(m, input.targetEpoch)) return m;
  if (m.state === 'unrevoked_partitions' && stillOwns(input.owned, m.pendingRevocation)) return m;
  return next(m, input);
}

function next(m: CurrentAssignment, input: ReconcileInput): CurrentAssignment {
  const assigned: Assignment = new Map();
  const revoking: Assignment = new Map();
  const adding: Assignment = new Map();
  let unreleased = false;
  const topics = new Set([...input.target.keys(), ...m.assigned.keys()]);
  for (const t of topics) {
    const target = input.subscribedTopicIds.has(t) ? (input.target.get(t) ?? new Set<number>()) : new Set<number>();
    const current = m.assigned.get(t) ?? new Set<number>();
    const keep = new Set([...current].filter((p) => target.has(p)));
    const give = new Set([...current].filter((p) => !keep.has(p)));
    const want = new Set<number>();
    for (const p of target) {
      if (keep.has(p)) continue;
      const mineBeingRevoked = m.pendingRevocation.get(t)?.has(p) ?? false;
      if (!mineBeingRevoked && input.ownedByOther(t, p)) unreleased = true;
      else want.add(p);
    }
    if (keep.size) assigned.set(t, keep);
    if (give.size) revoking.set(t, give);
    if (want.size) adding.set(t, want);
  }
  const epochMoved = (epoch: number): Pick<CurrentAssignment, 'memberEpoch' | 'previousMemberEpoch'> => ({ memberEpoch: epoch, previousMemberEpoch: m.memberEpoch });
  if (revoking.size > 0 && stillOwns(input.owned, revoking)) {
    return { ...epochMoved(m.memberEpoch), state: 'unrevoked_partitions', assigned, pendingRevocation: revoking };
  }
  for (const [t, ps] of adding) assigned.set(t, new Set([...(assigned.get(t) ?? []), ...ps]));
  return { ...epochMoved(input.targetEpoch), state: unreleased ? 'unreleased_partitions' : 'stable', assigned, pendingRevocation: new Map() };
}
