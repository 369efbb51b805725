/**
 * Group state as Kafka's own __consumer_offsets records (protocol-specs/coordinator-records.spec),
 * so that Kafka's tooling reads the topic: one StoreRecord becomes one or more key/value pairs and
 * each pair read back becomes a part of a StoreRecord (offsets-replay.ts puts the parts together).
 *
 * - offsets: OffsetCommitKey (version 1) / OffsetCommitValue version 1 when the commit expires
 *   (OffsetCommit v2-v4 retention), else 3, as Kafka 4.0 writes them;
 * - classic groups: GroupMetadataKey (2) / GroupMetadataValue version 3; a member's subscription is
 *   its metadata for the group's protocol only, as in Kafka;
 * - consumer-protocol groups: the group epoch (3), subscribed topics (4) and target assignment epoch
 *   (6); per member its subscription (5), target assignment (7) and current assignment (8).
 */
import * as M from '../protocol/messages/index.js';
import { codec, fromVersioned, toVersioned, versionOf } from '../protocol/versioned.js';
import type { KvEntry } from '../cluster/kv-log.js';
import type { StoreRecord, StoredAssignment, StoredConsumerGroup, StoredConsumerMember, StoredGroup, StoredOffset } from './group-store.js';

export const KeyVersion = { LegacyOffset: 0, Offset: 1, Group: 2, GroupEpoch: 3, GroupTopics: 4, Member: 5, TargetEpoch: 6, MemberTarget: 7, MemberCurrent: 8 } as const;

const C = {
  offsetKey: codec(M.readOffsetCommitKey, M.sizeOffsetCommitKey, M.writeOffsetCommitKey),
  offsetValue: codec(M.readOffsetCommitValue, M.sizeOffsetCommitValue, M.writeOffsetCommitValue),
  groupKey: codec(M.readGroupMetadataKey, M.sizeGroupMetadataKey, M.writeGroupMetadataKey),
  groupValue: codec(M.readGroupMetadataValue, M.sizeGroupMetadataValue, M.writeGroupMetadataValue),
  cgKey: codec(M.readConsumerGroupMetadataKey, M.sizeConsumerGroupMetadataKey, M.writeConsumerGroupMetadataKey),
  cgValue: codec(M.readConsumerGroupMetadataValue, M.sizeConsumerGroupMetadataValue, M.writeConsumerGroupMetadataValue),
  topicsKey: codec(M.readConsumerGroupPartitionMetadataKey, M.sizeConsumerGroupPartitionMetadataKey, M.writeConsumerGroupPartitionMetadataKey),
  topicsValue: codec(M.readConsumerGroupPartitionMetadataValue, M.sizeConsumerGroupPartitionMetadataValue, M.writeConsumerGroupPartitionMetadataValue),
  targetEpochKey: codec(M.readConsumerGroupTargetAssignmentMetadataKey, M.sizeConsumerGroupTargetAssignmentMetadataKey, M.writeConsumerGroupTargetAssignmentMetadataKey),
  targetEpochValue: codec(M.readConsumerGroupTargetAssignmentMetadataValue, M.sizeConsumerGroupTargetAssignmentMetadataValue, M.writeConsumerGroupTargetAssignmentMetadataValue),
  memberKey: codec(M.readConsumerGroupMemberMetadataKey, M.sizeConsumerGroupMemberMetadataKey, M.writeConsumerGroupMemberMetadataKey),
  memberValue: codec(M.readConsumerGroupMemberMetadataValue, M.sizeConsumerGroupMemberMetadataValue, M.writeConsumerGroupMemberMetadataValue),
  targetKey: codec(M.readConsumerGroupTargetAssignmentMemberKey, M.sizeConsumerGroupTargetAssignmentMemberKey, M.writeConsumerGroupTargetAssignmentMemberKey),
  targetValue: codec(M.readConsumerGroupTargetAssignmentMemberValue, M.sizeConsumerGroupTargetAssignmentMemberValue, M.writeConsumerGroupTargetAssignmentMemberValue),
  currentKey: codec(M.readConsumerGroupCurrentMemberAssignmentKey, M.sizeConsumerGroupCurrentMemberAssignmentKey, M.writeConsumerGroupCurrentMemberAssignmentKey),
  currentValue: codec(M.readConsumerGroupCurrentMemberAssignmentValue, M.sizeConsumerGroupCurrentMemberAssignmentValue, M.writeConsumerGroupCurrentMemberAssignmentValue),
};

/** Kafka's MemberState bytes. */
const MEMBER_STATES = ['stable', 'unrevoked_partitions', 'unreleased_partitions'];

export function offsetKey(group: string, topic: string, partition: number): Buffer {
  return toVersioned(C.offsetKey, KeyVersion.Offset, { group, topic, partition });
}

export function offsetValue(o: StoredOffset): Buffer {
  const expires = o.expireTimestamp > 0;
  return toVersioned(C.offsetValue, expires ? 1 : 3, { offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestamp: BigInt(o.commitTimestamp), expireTimestamp: BigInt(o.expireTimestamp) });
}

function groupValue(g: StoredGroup): Buffer {
  return toVersioned(C.groupValue, 3, {
    protocolType: g.protocolType,
    generation: g.generation,
    protocol: g.protocol,
    leader: g.leader,
    currentStateTimestamp: BigInt(g.stateTimestamp),
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: Buffer.from(m.protocols.find((p) => p.name === g.protocol)?.metadata ?? '', 'base64'),
      assignment: Buffer.from(m.assignment, 'base64'),
    })),
  });
}

const partitionsOf = (a: StoredAssignment): Array<{ topicId: string; partitions: number[] }> => Object.entries(a).map(([topicId, partitions]) => ({ topicId, partitions }));
const assignmentFrom = (tps: Array<{ topicId: string; partitions: number[] }>): StoredAssignment => Object.fromEntries(tps.map((tp) => [tp.topicId, tp.partitions]));

function consumerGroupEntries(group: string, v: StoredConsumerGroup | null): KvEntry[] {
  const groupId = group;
  // The group epoch record goes last: replay deletes the group on its tombstone.
  return [
    { key: toVersioned(C.targetEpochKey, KeyVersion.TargetEpoch, { groupId }), value: v && toVersioned(C.targetEpochValue, 0, { assignmentEpoch: v.assignmentEpoch }) },
    {
      key: toVersioned(C.topicsKey, KeyVersion.GroupTopics, { groupId }),
      value: v && toVersioned(C.topicsValue, 0, { topics: v.subscriptionMetadata.map((t) => ({ topicId: t.id, topicName: t.name, numPartitions: t.partitions, partitionMetadata: [] })) }),
    },
    { key: toVersioned(C.cgKey, KeyVersion.GroupEpoch, { groupId }), value: v && toVersioned(C.cgValue, 0, { epoch: v.groupEpoch }) },
  ];
}

function memberEntries(groupId: string, memberId: string, v: StoredConsumerMember | null): KvEntry[] {
  const k = { groupId, memberId };
  const meta = (m: StoredConsumerMember): Buffer =>
    toVersioned(C.memberValue, 0, {
      instanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      serverAssignor: m.serverAssignor,
      classicMemberMetadata: m.classic ? { sessionTimeoutMs: m.classic.sessionTimeoutMs, supportedProtocols: m.classic.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })) } : null,
    });
  const current = (m: StoredConsumerMember): Buffer =>
    toVersioned(C.currentValue, 0, {
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: Math.max(0, MEMBER_STATES.indexOf(m.state)),
      assignedPartitions: partitionsOf(m.assigned),
      partitionsPendingRevocation: partitionsOf(m.pendingRevocation),
    });
  const entries = [
    { key: toVersioned(C.memberKey, KeyVersion.Member, k), value: v && meta(v) },
    { key: toVersioned(C.currentKey, KeyVersion.MemberCurrent, k), value: v && current(v) },
    { key: toVersioned(C.targetKey, KeyVersion.MemberTarget, k), value: v && toVersioned(C.targetValue, 0, { topicPartitions: partitionsOf(v.target) }) },
  ];
  // A tombstone deletes the subscription record last: replay removes the member on it.
  return v ? entries : entries.reverse();
}

/** Kafka's records for one StoreRecord ('pending' offsets are offset records in a transactional batch). */
export function encodeStoreRecord(r: StoreRecord): KvEntry[] {
  switch (r.kind) {
    case 'offset':
    case 'pending':
      return [{ key: offsetKey(r.group, r.topic, r.partition), value: r.value && offsetValue(r.value) }];
    case 'group':
      return [{ key: toVersioned(C.groupKey, KeyVersion.Group, { group: r.group }), value: r.value && groupValue(r.value) }];
    case 'consumer-group':
      return consumerGroupEntries(r.group, r.value);
    case 'consumer-member':
      return memberEntries(r.group, r.memberId, r.value);
  }
}

/** One record read back: a whole StoreRecord, or one part of a consumer-protocol group or member. */
export type OffsetsPart =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: StoredOffset | null }
  | { kind: 'group'; group: string; value: StoredGroup | null }
  /** `primary`: the record whose tombstone deletes the whole group or member. */
  | { kind: 'consumer-group'; group: string; primary: boolean; value: Partial<StoredConsumerGroup> | null }
  | { kind: 'consumer-member'; group: string; memberId: string; primary: boolean; value: Partial<StoredConsumerMember> | null };

function decodeOffset(b: Buffer): StoredOffset {
  const v = fromVersioned(C.offsetValue, b);
  return { offset: v.offset.toString(), leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: Number(v.commitTimestamp), expireTimestamp: Number(v.expireTimestamp) };
}

function decodeGroup(b: Buffer): StoredGroup {
  const v = fromVersioned(C.groupValue, b);
  return {
    protocolType: v.protocolType,
    generation: v.generation,
    protocol: v.protocol,
    leader: v.leader,
    stateTimestamp: Number(v.currentStateTimestamp),
    members: v.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      sessionTimeoutMs: m.sessionTimeout,
      rebalanceTimeoutMs: m.rebalanceTimeout,
      protocols: v.protocol === null ? [] : [{ name: v.protocol, metadata: m.subscription.toString('base64') }],
      assignment: m.assignment.toString('base64'),
    })),
  };
}

function decodeMember(b: Buffer): Partial<StoredConsumerMember> {
  const v = fromVersioned(C.memberValue, b);
  const classic = v.classicMemberMetadata;
  return {
    instanceId: v.instanceId,
    rackId: v.rackId,
    clientId: v.clientId,
    clientHost: v.clientHost,
    subscribedTopicNames: v.subscribedTopicNames,
    subscribedTopicRegex: v.subscribedTopicRegex,
    rebalanceTimeoutMs: v.rebalanceTimeoutMs,
    serverAssignor: v.serverAssignor,
    classic: classic ? { sessionTimeoutMs: classic.sessionTimeoutMs, protocols: classic.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })) } : null,
  };
}

function decodeCurrent(b: Buffer): Partial<StoredConsumerMember> {
  const v = fromVersioned(C.currentValue, b);
  return {
    memberEpoch: v.memberEpoch,
    previousMemberEpoch: v.previousMemberEpoch,
    state: MEMBER_STATES[v.state] ?? 'unknown',
    assigned: assignmentFrom(v.assignedPartitions),
    pendingRevocation: assignmentFrom(v.partitionsPendingRevocation),
  };
}

/** A record of __consumer_offsets; undefined for record types Runnel does not use (share or streams groups). Throws on damaged bytes. */
export function decodeOffsetsRecord(key: Buffer, value: Buffer | null): OffsetsPart | undefined {
  const version = versionOf(key);
  const val = <T>(f: (b: Buffer) => T): T | null => (value === null ? null : f(value));
  switch (version) {
    case KeyVersion.LegacyOffset:
    case KeyVersion.Offset: {
      const k = fromVersioned(C.offsetKey, key);
      return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: val(decodeOffset) };
    }
    case KeyVersion.Group:
      return { kind: 'group', group: fromVersioned(C.groupKey, key).group, value: val(decodeGroup) };
    case KeyVersion.GroupEpoch:
      return { kind: 'consumer-group', group: fromVersioned(C.cgKey, key).groupId, primary: true, value: val((b) => ({ groupEpoch: fromVersioned(C.cgValue, b).epoch })) };
    case KeyVersion.GroupTopics:
      return {
        kind: 'consumer-group',
        group: fromVersioned(C.topicsKey, key).groupId,
        primary: false,
        value: val((b) => ({ subscriptionMetadata: fromVersioned(C.topicsValue, b).topics.map((t) => ({ name: t.topicName, id: t.topicId, partitions: t.numPartitions })) })),
      };
    case KeyVersion.TargetEpoch:
      return { kind: 'consumer-group', group: fromVersioned(C.targetEpochKey, key).groupId, primary: false, value: val((b) => ({ assignmentEpoch: fromVersioned(C.targetEpochValue, b).assignmentEpoch })) };
    case KeyVersion.Member: {
      const k = fromVersioned(C.memberKey, key);
      return { kind: 'consumer-member', group: k.groupId, memberId: k.memberId, primary: true, value: val(decodeMember) };
    }
    case KeyVersion.MemberCurrent: {
      const k = fromVersioned(C.currentKey, key);
      return { kind: 'consumer-member', group: k.groupId, memberId: k.memberId, primary: false, value: val(decodeCurrent) };
    }
    case KeyVersion.MemberTarget: {
      const k = fromVersioned(C.targetKey, key);
      return { kind: 'consumer-member', group: k.groupId, memberId: k.memberId, primary: false, value: val((b) => ({ target: assignmentFrom(fromVersioned(C.targetValue, b).topicPartitions) })) };
    }
    default:
      return undefined;
  }
}
