/**
 * The group coordinator as handlers see it: the port BrokerServices hands out, implemented by
 * GroupCoordinator (src/groups/). Handlers import group types from here, never from src/groups/.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { TopicPartitionMap } from '../util/topic-partition.js';
import type { ClassicGroup, CommittedOffset, JoinResult, SyncResult } from '../groups/classic-group.js';
import type { JoinRequest, OffsetCommitEntry } from '../groups/group-coordinator.js';
import type { CommitIdentity } from '../groups/commit-rules.js';
import type { ConsumerGroupCoordinator } from '../groups/consumer-coordinator.js';

export type { OffsetCommitEntry, JoinRequest } from '../groups/group-coordinator.js';
export type { Assignment } from '../groups/assignors.js';
export { wireAssignment } from '../groups/consumer-records.js';
/** The group subsystem's one error mapping (group-errors.ts). */
export { groupErrorCode } from '../groups/group-errors.js';

/** Consumer-protocol groups (KIP-848): what ConsumerGroupHeartbeat, ConsumerGroupDescribe, OffsetFetch and the listings use. */
export type ConsumerGroupPort = Pick<ConsumerGroupCoordinator, 'groups' | 'heartbeat' | 'describe' | 'fetchError'>;

export interface GroupCoordinatorPort {
  /**
   * Whether this broker coordinates the group now: 0; NOT_COORDINATOR when another broker leads
   * its __consumer_offsets partition, COORDINATOR_LOAD_IN_PROGRESS while that partition is loading.
   * Every group handler answers it before anything else, as Kafka's do.
   */
  coordinatorError(groupId: string): number;
  /** Whether a __consumer_offsets partition led here is still loading (ListGroups). */
  loadInProgress(): boolean;
  /** Classic groups by id (ListGroups). */
  readonly groups: ReadonlyMap<string, ClassicGroup>;
  readonly consumer: ConsumerGroupPort;
  group(id: string, create?: boolean): ClassicGroup | undefined;
  join(req: JoinRequest): Promise<JoinResult>;
  sync(req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null; protocolType: string | null; protocolName: string | null; assignments: Array<{ memberId: string; assignment: Buffer }> }): Promise<SyncResult>;
  heartbeat(req: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): number;
  leave(groupId: string, members: Array<{ memberId: string; groupInstanceId: string | null; reason: string | null }>): { errorCode: number; members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }> };
  commitError(c: CommitIdentity & { groupId: string }): number;
  commit(groupId: string, entries: OffsetCommitEntry[], retentionMs?: number): Promise<void>;
  commitPending(groupId: string, producerId: bigint, producerEpoch: number, entries: OffsetCommitEntry[]): Promise<void>;
  /** A transaction marker written to a __consumer_offsets partition ends the producer's pending offsets there. */
  completeTxnOffsetsOnPartition(partition: number, partitions: number, producerId: bigint, commit: boolean): Promise<void>;
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean;
  offsets(groupId: string): TopicPartitionMap<CommittedOffset>;
  deleteOffsets(groupId: string, parts: Array<{ topic: string; partition: number }>): Promise<void>;
  deleteGroup(groupId: string): Promise<number>;
}

/** The message Kafka's NotCoordinatorException / CoordinatorLoadInProgressException carry, for APIs with an error message. */
export function coordinatorMessage(code: number): string {
  return code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? 'The coordinator is loading and hence can not process requests.' : 'This is not the correct coordinator.';
}
