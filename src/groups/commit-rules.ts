/**
 * Kafka's order of checks for a commit into a classic group (OffsetCommit and TxnOffsetCommit):
 * the group's existence, the member, then the generation, and only then the group's state. A
 * stale member that commits while a new generation forms therefore gets ILLEGAL_GENERATION,
 * which clients handle differently from REBALANCE_IN_PROGRESS (librdkafka's cooperative
 * rebalancing depends on it). Transactional commits are not held back by a rebalance, since
 * Kafka does not enforce the group state for them.
 *
 * In a consumer group (KIP-848) the member id and the member epoch must match instead; a classic
 * member there commits with its generation, which is its member epoch.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ClassicGroup } from './classic-group.js';
import type { ConsumerGroup, ConsumerMember } from './consumer-group.js';

export interface CommitIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  transactional: boolean;
  /** OffsetCommit's request version (GROUP_ID_NOT_FOUND from v9); unused for transactional commits. */
  apiVersion: number;
}

export function classicCommitError(g: ClassicGroup | undefined, c: CommitIdentity): number {
  if (!g) {
    // A commit without a generation creates a "simple" group; one with a generation names a group that is gone.
    if (c.generationId < 0) return ErrorCode.NONE;
    return !c.transactional && c.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
  }
  if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (c.generationId < 0 && g.state === 'Empty') return ErrorCode.NONE;
  if (c.generationId >= 0 || c.memberId !== '' || c.groupInstanceId !== null) {
    const memberError = memberCheck(g, c.memberId, c.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (c.generationId !== g.generation) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!c.transactional && g.state !== 'Empty') {
    // An anonymous commit (OffsetCommit v0) is only taken while the group has no members.
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  if (!c.transactional && g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/** Kafka's validateMember: a static member is looked up by its instance id, which must still be its own. */
function memberCheck(g: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const current = g.staticMembers.get(groupInstanceId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return current === memberId ? ErrorCode.NONE : ErrorCode.FENCED_INSTANCE_ID;
  }
  return g.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

/** OffsetCommit or TxnOffsetCommit into a consumer group: member id and epoch must match. */
export function consumerCommitError(g: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number, transactional: boolean): number {
  if (memberEpoch < 0 && g.members.size === 0) return ErrorCode.NONE;
  const m = g.members.get(memberId);
  if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
  // Consumer-protocol members commit with v9+ (transactional commits excepted).
  if (!transactional && apiVersion < 9 && !m.classic) return ErrorCode.UNSUPPORTED_VERSION;
  return epochError(m, memberEpoch);
}

/** OffsetFetch v9+ with a member id and epoch: checked as for commits; admin fetches (null, -1) always pass. */
export function consumerFetchError(g: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
  if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
  const m = g.members.get(memberId ?? '');
  return m ? epochError(m, memberEpoch) : ErrorCode.UNKNOWN_MEMBER_ID;
}

function epochError(m: ConsumerMember, memberEpoch: number): number {
  if (memberEpoch === m.memberEpoch) return ErrorCode.NONE;
  return m.classic ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH;
}
