/**
 * Kafka's rules for a ConsumerGroupHeartbeat before it touches a group: the request's own fields
 * (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, with Kafka's messages) and a member's epoch
 * (FENCED_MEMBER_EPOCH).
 */
import { ErrorCode } from '../protocol/errors.js';
import type { Assignment } from './assignors.js';
import { LEAVE_EPOCH, STATIC_LEAVE_EPOCH, type ConsumerMember } from './consumer-group.js';
import type { OwnedPartitions } from './reconcile.js';

/** A refusal with Kafka's error code and message. */
export class Refused extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

export interface HeartbeatFields {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: OwnedPartitions[] | null;
  apiVersion: number;
}

/** Java's String.trim().isEmpty(). */
const blank = (s: string | null): boolean => s !== null && /^[\u0000-\u0020]*$/.test(s);

/** Kafka's checks of the request itself, before any group is looked at. */
export function validateHeartbeat(req: HeartbeatFields, assignors: readonly string[]): void {
  const invalid = (m: string) => new Refused(ErrorCode.INVALID_REQUEST, m);
  if ((req.apiVersion >= 1 || req.memberEpoch > 0 || req.memberEpoch === LEAVE_EPOCH) && blank(req.memberId)) throw invalid("MemberId can't be empty.");
  if (blank(req.groupId)) throw invalid("GroupId can't be empty.");
  if (blank(req.instanceId)) throw invalid("InstanceId can't be empty.");
  if (blank(req.rackId)) throw invalid("RackId can't be empty.");
  if (req.memberEpoch === 0) {
    if (req.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) throw invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
  } else if (req.memberEpoch === STATIC_LEAVE_EPOCH) {
    if (req.instanceId === null) throw invalid("InstanceId can't be null.");
  } else if (req.memberEpoch < STATIC_LEAVE_EPOCH) throw invalid('MemberEpoch is invalid.');
  if (req.serverAssignor !== null && !assignors.includes(req.serverAssignor))
    throw new Refused(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${assignors.join(', ')}.`);
}

/** Kafka's epoch check: a newer epoch is fenced; an older one only passes as the previous epoch with a subset of the partitions. Epoch 0 rejoins. */
export function checkEpoch(m: ConsumerMember, req: Pick<HeartbeatFields, 'memberEpoch' | 'topicPartitions'>): void {
  const e = req.memberEpoch;
  if (e === 0) return;
  const fenced = (how: string) =>
    new Refused(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a ${how} member epoch (${e}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  if (e > m.memberEpoch) throw fenced('greater');
  if (e < m.memberEpoch && (e !== m.previousMemberEpoch || !isSubset(req.topicPartitions, m.assigned))) throw fenced('smaller');
}

function isSubset(owned: OwnedPartitions[] | null, assigned: Assignment): boolean {
  if (owned === null) return false;
  return owned.every((tp) => {
    const mine = assigned.get(tp.topicId);
    return mine !== undefined && tp.partitions.every((p) => mine.has(p));
  });
}
