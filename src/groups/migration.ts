/**
 * Online migration between classic and consumer groups (KIP-848), under
 * group.consumer.migration.policy, as Kafka 4's GroupMetadataManager does it:
 *
 * - upgrade: a ConsumerGroupHeartbeat joining a classic group in use (protocol type "consumer")
 *   turns it into a consumer group. Its members become classic members of the consumer group at
 *   an epoch equal to the generation, owning what their last SyncGroup gave them (which is also
 *   their target assignment); members waiting in JoinGroup or SyncGroup are told
 *   REBALANCE_IN_PROGRESS. Refused (GROUP_ID_NOT_FOUND) when the policy forbids it, when the
 *   group's protocol type is not "consumer", when it has more members than group.consumer.max.size,
 *   or when a member's embedded subscription or assignment cannot be read.
 * - downgrade: when the last consumer-protocol member leaves or is fenced and classic members
 *   remain, the group becomes a classic group again (Stable, generation = group epoch, each
 *   member's assignment its target assignment, the first member leader) and a rebalance starts so
 *   the classic leader assigns again. Not done when the policy forbids it or when more members
 *   remain than group.max.size; the group then stays a consumer group of classic members.
 *
 * Empty groups change kind whatever the policy. This module holds the conversions; the
 * coordinators decide when to call them.
 */
import { ErrorCode } from '../protocol/errors.js';
import { ClassicGroup, joinError, memberIdentity, syncError, type Member } from './classic-group.js';
import { ConsumerGroup, type ConsumerMember } from './consumer-group.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, protocolVersion } from './consumer-protocol.js';
import type { StoredGroup } from './group-store.js';
import { MalformedProtocol } from './consumer-protocol.js';
import { Refused } from './heartbeat-rules.js';
import type { Logger } from '../util/logger.js';

export type MigrationPolicy = 'bidirectional' | 'upgrade' | 'downgrade' | 'disabled';

export function migrationPolicy(value: string | undefined): MigrationPolicy {
  const v = (value ?? 'bidirectional').toLowerCase();
  return v === 'upgrade' || v === 'downgrade' || v === 'disabled' ? v : 'bidirectional';
}

export const upgradeEnabled = (p: MigrationPolicy): boolean => p === 'bidirectional' || p === 'upgrade';
export const downgradeEnabled = (p: MigrationPolicy): boolean => p === 'bidirectional' || p === 'downgrade';

/** Why a classic group in use cannot become a consumer group, or null when it can (Kafka's validateOnlineUpgrade). */
export function upgradeRefusal(classic: ClassicGroup, policy: MigrationPolicy, consumerMaxSize: number): string | null {
  if (!upgradeEnabled(policy)) return 'the online upgrade is disabled';
  if (classic.protocolType !== CONSUMER_PROTOCOL_TYPE) return 'the group does not use the consumer embedded protocol';
  if (classic.members.size > consumerMaxSize) return 'the group size exceeds the consumer group maximum size';
  return null;
}

/** Whether removing this member should turn the group back into a classic group (Kafka's validateOnlineDowngradeWithFencedMember). */
export function shouldDowngrade(g: ConsumerGroup, leavingId: string, policy: MigrationPolicy, classicMaxSize: number): boolean {
  if (!g.allOthersClassic(leavingId)) return false;
  if (g.members.size <= 1) return false;
  if (!downgradeEnabled(policy)) return false;
  return g.members.size - 1 <= classicMaxSize;
}

/** The consumer group a classic group in use becomes, or a refusal (GROUP_ID_NOT_FOUND, as Kafka). Changes nothing. */
export function upgradeOrRefuse(classic: ClassicGroup, policy: MigrationPolicy, consumerMaxSize: number, idOf: (topic: string) => string | undefined, log: Logger): ConsumerGroup {
  const why = upgradeRefusal(classic, policy, consumerMaxSize);
  if (why !== null) {
    log.info({ group: classic.groupId, why }, 'cannot upgrade the classic group to a consumer group');
    throw new Refused(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${classic.groupId} is not a consumer group.`);
  }
  try {
    return consumerGroupFromClassic(classic, idOf);
  } catch (err) {
    if (!(err instanceof MalformedProtocol)) throw err;
    log.warn({ group: classic.groupId, err: err.message }, 'cannot upgrade the classic group: malformed embedded consumer protocol');
    throw new Refused(ErrorCode.GROUP_ID_NOT_FOUND, `Cannot upgrade the classic group ${classic.groupId} to consumer group because the embedded consumer protocol is malformed.`);
  }
}

/**
 * The consumer group a classic group becomes (Kafka's ConsumerGroup.fromClassicGroup). Pure: the
 * classic group is left as it is. Throws MalformedProtocol when a member's protocol is unreadable.
 */
export function consumerGroupFromClassic(classic: ClassicGroup, idOf: (topic: string) => string | undefined): ConsumerGroup {
  const g = new ConsumerGroup(classic.groupId);
  g.groupEpoch = classic.generation;
  g.assignmentEpoch = classic.generation;
  for (const m of classic.members.values()) {
    // A member that never synced has an empty assignment.
    const assigned = decodeAssignment(m.assignment, idOf);
    const metadata = (classic.protocolName !== null ? m.protocols.find((p) => p.name === classic.protocolName) : undefined) ?? m.protocols[0];
    const subscription = decodeSubscription(metadata?.metadata ?? Buffer.alloc(0));
    const member: ConsumerMember = {
      memberId: m.memberId,
      instanceId: m.groupInstanceId,
      rackId: subscription.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      subscribedTopicNames: [...new Set(subscription.topics)].sort(),
      subscribedTopicRegex: null,
      serverAssignor: null,
      memberEpoch: classic.generation,
      previousMemberEpoch: classic.generation,
      state: 'stable',
      assigned,
      pendingRevocation: new Map(),
      classic: { sessionTimeoutMs: m.sessionTimeoutMs, protocols: m.protocols },
    };
    g.targets.set(m.memberId, new Map([...assigned].map(([t, ps]) => [t, new Set(ps)])));
    g.setMember(member);
  }
  return g;
}

/**
 * Empties the classic group once its members moved to the consumer group: members waiting in
 * JoinGroup or SyncGroup are told to rejoin, its timers stop. Its committed offsets stay.
 */
export function retireClassicMembers(classic: ClassicGroup): void {
  clearTimeout(classic.joinTimer);
  classic.joinTimer = undefined;
  classic.initialDelay = undefined;
  for (const t of classic.pending.values()) clearTimeout(t);
  classic.pending.clear();
  for (const m of classic.members.values()) {
    clearTimeout(m.sessionTimer);
    m.joinWaiter?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
    m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    m.joinWaiter = m.syncWaiter = undefined;
  }
  classic.members.clear();
  classic.staticMembers.clear();
  classic.protocolName = null;
  classic.leaderId = null;
  classic.transition('Empty');
}

/**
 * Fills `target` (the classic group holding the id's offsets, or a new one) with the consumer
 * group's members but the leaving one (Kafka's ClassicGroup.fromConsumerGroup): Stable at the
 * group epoch, each member's assignment its target assignment in its subscription's version.
 */
export function fillClassicFromConsumer(target: ClassicGroup, g: ConsumerGroup, leavingId: string, nameOf: (topicId: string) => string | undefined): void {
  retireClassicMembers(target);
  target.generation = g.groupEpoch;
  target.protocolType = CONSUMER_PROTOCOL_TYPE;
  for (const m of g.members.values()) {
    if (m.memberId === leavingId || !m.classic) continue;
    const member: Member = {
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      sessionTimeoutMs: m.classic.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: m.classic.protocols,
      assignment: Buffer.alloc(0),
    };
    target.members.set(m.memberId, member);
    if (m.instanceId !== null) target.staticMembers.set(m.instanceId, m.memberId);
    target.leaderId ??= m.memberId;
  }
  target.protocolName = target.selectProtocol();
  for (const m of target.members.values()) {
    const metadata = m.protocols.find((p) => p.name === target.protocolName)?.metadata ?? Buffer.alloc(0);
    let version = 0;
    try {
      version = protocolVersion(metadata);
    } catch {
      // Its subscription was read when it joined; version 0 is readable by every client.
    }
    m.assignment = encodeAssignment(g.targets.get(m.memberId) ?? new Map(), version, nameOf);
  }
  target.transition('Stable');
}

/** The classic group as __consumer_offsets stores it. */
export function storedGroup(g: ClassicGroup): StoredGroup {
  return {
    protocolType: g.protocolType ?? '',
    generation: g.generation,
    protocol: g.protocolName,
    leader: g.leaderId,
    stateTimestamp: g.stateTimestamp,
    members: [...g.members.values()].map((m) => ({
      ...memberIdentity(m),
      protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })),
      assignment: m.assignment.toString('base64'),
    })),
  };
}

/**
 * The one way between the two coordinators: what the consumer-group coordinator may ask of the
 * classic one when a group changes kind (classic-coordinator.ts implements it).
 */
export interface ClassicSide {
  /** The classic group of this id, if there is one. */
  get(groupId: string): ClassicGroup | undefined;
  /** The classic group of this id, created empty if need be (a downgrade fills it). */
  obtain(groupId: string): ClassicGroup;
  /** Upgrade done: the classic group's members moved to a consumer group; it stays only while it holds offsets. */
  retire(g: ClassicGroup): void;
  /** Downgrade done: the group was just filled from a consumer group; fresh sessions, then a rebalance. */
  resumeConverted(g: ClassicGroup, reason: string): void;
  /** A consumer group lost its last member: the retention of its offsets counts from now. */
  consumerGroupEmptied(groupId: string): void;
}
