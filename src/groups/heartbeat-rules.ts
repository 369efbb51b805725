/**
 * Kafka's rules for a ConsumerGroupHeartbeat before it touches a group: the request's own fields
 * (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, with Kafka's messages) and a member's epoch
 * (FENCED_MEMBER_EPOCH), and which member a heartbeat speaks for.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { Assignment } from './assignors.js';
import { LEAVE_EPOCH, STATIC_LEAVE_EPOCH, newConsumerMember, type ConsumerGroup, type ConsumerMember } from './consumer-group.js';
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

/** Kafka's member lookup: dynamic members by id, static ones by instance id (replacing one that left with -2). */
export function memberFor(g: ConsumerGroup, memberId: string, req: HeartbeatFields): { previous?: ConsumerMember; base: ConsumerMember; replaced?: ConsumerMember } {
  const fresh = (): ConsumerMember => newConsumerMember(memberId, req.rebalanceTimeoutMs);
  if (req.instanceId === null) {
    const m = g.members.get(memberId);
    if (!m) {
      if (req.memberEpoch !== 0) throw new Refused(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${g.groupId}.`);
      return { base: fresh() };
    }
    checkEpoch(m, req);
    return { previous: m, base: m };
  }
  const existing = g.staticMember(req.instanceId);
  if (req.memberEpoch === 0) {
    if (!existing) {
      const m = g.members.get(memberId);
      return { previous: m, base: m ?? fresh() };
    }
    // A classic member's instance id may be taken over at once (a rolling upgrade of static members).
    if (existing.memberEpoch !== STATIC_LEAVE_EPOCH && !existing.classic)
      throw new Refused(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`);
    return { base: { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 }, replaced: existing };
  }
  if (!existing) throw new Refused(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
  if (existing.memberId !== memberId) throw new Refused(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`);
  checkEpoch(existing, req);
  return { previous: existing, base: existing };
}

export interface ConsumerHeartbeat extends HeartbeatFields {
  clientId: string;
  clientHost: string;
}

export interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: Array<{ topicId: string; partitions: number[] }> | null;
}

/** A member's change, as applyMember takes it. */
export interface MemberChange {
  created: boolean;
  previous?: ConsumerMember;
  updated: ConsumerMember;
  /** A static member replaced by this one (same instance id, new member id). */
  replaced?: ConsumerMember;
  owned: OwnedPartitions[] | null;
  regexChanged: boolean;
  namesChanged: boolean;
}
