/**
 * Consumer-protocol group state as it is written to __consumer_offsets (one record for the group's
 * epochs and subscribed topics, one per member with its subscription, current and target
 * assignment) and read back at start-up.
 */
import type { Assignment } from './assignors.js';
import { ConsumerGroup, type ConsumerMember } from './consumer-group.js';
import type { MemberState } from './reconcile.js';
import type { StoreRecord, StoredAssignment, StoredConsumerGroup, StoredConsumerMember } from './group-store.js';

export function storedAssignment(a: Assignment): StoredAssignment {
  const out: StoredAssignment = {};
  for (const [t, ps] of [...a].sort((x, y) => (x[0] < y[0] ? -1 : 1))) out[t] = [...ps].sort((x, y) => x - y);
  return out;
}

export function assignmentOf(s: StoredAssignment | undefined): Assignment {
  const a: Assignment = new Map();
  for (const [t, ps] of Object.entries(s ?? {})) if (Array.isArray(ps) && ps.length > 0) a.set(t, new Set(ps.filter((p) => Number.isInteger(p))));
  return a;
}

/** The assignment as the protocol lists it: topics by id, partitions ascending. */
export function wireAssignment(a: Assignment): Array<{ topicId: string; partitions: number[] }> {
  return Object.entries(storedAssignment(a)).map(([topicId, partitions]) => ({ topicId, partitions }));
}

export function storedMember(m: ConsumerMember, target: Assignment | undefined): StoredConsumerMember {
  return {
    memberId: m.memberId,
    instanceId: m.instanceId,
    rackId: m.rackId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    subscribedTopicNames: m.subscribedTopicNames,
    subscribedTopicRegex: m.subscribedTopicRegex,
    serverAssignor: m.serverAssignor,
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    state: m.state,
    assigned: storedAssignment(m.assigned),
    pendingRevocation: storedAssignment(m.pendingRevocation),
    target: storedAssignment(target ?? new Map()),
    classic: m.classic ? { sessionTimeoutMs: m.classic.sessionTimeoutMs, protocols: m.classic.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })) } : null,
  };
}

const STATES: readonly MemberState[] = ['stable', 'unrevoked_partitions', 'unreleased_partitions'];

export function memberOf(v: StoredConsumerMember): ConsumerMember {
  return {
    memberId: v.memberId,
    instanceId: v.instanceId ?? null,
    rackId: v.rackId ?? null,
    clientId: v.clientId ?? '',
    clientHost: v.clientHost ?? '',
    rebalanceTimeoutMs: v.rebalanceTimeoutMs ?? 0,
    subscribedTopicNames: Array.isArray(v.subscribedTopicNames) ? v.subscribedTopicNames : [],
    subscribedTopicRegex: v.subscribedTopicRegex ?? null,
    serverAssignor: v.serverAssignor ?? null,
    memberEpoch: v.memberEpoch ?? 0,
    previousMemberEpoch: v.previousMemberEpoch ?? 0,
    // An unknown state reconciles again from scratch.
    state: STATES.includes(v.state as MemberState) ? (v.state as MemberState) : 'unreleased_partitions',
    assigned: assignmentOf(v.assigned),
    pendingRevocation: assignmentOf(v.pendingRevocation),
    ...(v.classic && Array.isArray(v.classic.protocols)
      ? { classic: { sessionTimeoutMs: v.classic.sessionTimeoutMs, protocols: v.classic.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })) } }
      : {}),
  };
}

export function groupRecord(g: ConsumerGroup): StoreRecord {
  const value: StoredConsumerGroup = {
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    subscriptionMetadata: [...g.subscriptionMetadata].map(([name, m]) => ({ name, id: m.id, partitions: m.partitions })),
  };
  return { kind: 'consumer-group', group: g.groupId, value };
}

export function memberRecord(g: ConsumerGroup, m: ConsumerMember): StoreRecord {
  return { kind: 'consumer-member', group: g.groupId, memberId: m.memberId, value: storedMember(m, g.targets.get(m.memberId)) };
}

export function memberTombstone(groupId: string, memberId: string): StoreRecord {
  return { kind: 'consumer-member', group: groupId, memberId, value: null };
}

/** Applies one replayed record to the groups. */
export function replayRecord(groups: Map<string, ConsumerGroup>, r: Extract<StoreRecord, { kind: 'consumer-group' | 'consumer-member' }>): void {
  let g = groups.get(r.group);
  if (r.value === null) {
    if (r.kind === 'consumer-group') groups.delete(r.group);
    else g?.removeMember(r.memberId);
    return;
  }
  if (!g) groups.set(r.group, (g = new ConsumerGroup(r.group)));
  if (r.kind === 'consumer-group') {
    g.groupEpoch = r.value.groupEpoch;
    g.assignmentEpoch = r.value.assignmentEpoch;
    g.subscriptionMetadata = new Map((r.value.subscriptionMetadata ?? []).map((t) => [t.name, { id: t.id, partitions: t.partitions }]));
  } else {
    g.setMember({ ...memberOf(r.value), memberId: r.memberId });
    g.targets.set(r.memberId, assignmentOf(r.value.target));
  }
}
