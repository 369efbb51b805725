/**
 * Classic members inside a consumer group (KIP-848 online migration): JoinGroup, SyncGroup,
 * Heartbeat and LeaveGroup of members that speak the classic protocol, served by the consumer
 * group as Kafka 4's GroupMetadataManager does (classicGroupJoinToConsumerGroup and its siblings).
 *
 * A classic member's JoinGroup is a full heartbeat: its embedded subscription gives its topics and
 * the partitions it still owns (v1+; an eager client owns none when it rejoins), the server-side
 * assignor assigns it like any member, and the answer carries its member epoch as the generation,
 * no leader and no member list, so it syncs as a follower. SyncGroup answers its assigned
 * partitions as a ConsumerProtocolAssignment. When the group epoch moves past its epoch, or it has
 * partitions to revoke, or partitions it waited for are free, Heartbeat (and SyncGroup) answer
 * REBALANCE_IN_PROGRESS and it must rejoin within its rebalance timeout; after joining it must
 * sync within it too. Its session timeout is the one of its JoinGroup.
 *
 * Deviation from Kafka 4: a classic static member replacing the group's last consumer-protocol
 * member does not downgrade the group then (it does when that member leaves or is fenced).
 */
import { ErrorCode } from '../protocol/errors.js';
import { groupErrorCode } from './group-errors.js';
import { randomClusterId } from '../cluster/uuid.js';
import { joinError, syncError, type JoinRequest, type JoinResult, type LeaveResult, type LeavingMember, type HeartbeatRequest, type SyncRequest, type SyncResult } from './classic-group.js';
import type { ConsumerGroup, ConsumerMember } from './consumer-group.js';
import { newConsumerMember, sameNames, sortedUnique } from './consumer-group.js';
import type { ConsumerGroupCoordinator } from './consumer-coordinator.js';
import { CONSUMER_PROTOCOL_TYPE, decodeSubscription, encodeAssignment, MalformedProtocol, protocolVersion } from './consumer-protocol.js';
import type { StoreRecord } from './group-store.js';
import type { OwnedPartitions } from './reconcile.js';

/** An error with the code a classic request answers. */
class Failed extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

export class ClassicMembers {
  constructor(private readonly host: ConsumerGroupCoordinator) {}

  // ------------------------------------------------------------------ JoinGroup

  async join(g: ConsumerGroup, req: JoinRequest): Promise<JoinResult> {
    const unknown = req.memberId === '';
    const memberId = unknown ? randomClusterId() : req.memberId;
    let work: { response: JoinResult; records: StoreRecord[]; member: ConsumerMember };
    try {
      const max = this.host.config.int('group.consumer.max.size');
      if (g.members.size >= max && (unknown || !g.members.has(memberId))) throw new Failed(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${max} members.`);
      if (!g.supportsClassicProtocols(req.protocolType, req.protocols.map((p) => p.name))) throw new Failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s protocols are not supported.`);
      if (unknown && req.requireKnownMemberId && req.groupInstanceId === null) {
        this.host.log.info({ group: g.groupId, member: memberId }, 'classic member with an unknown member id joins the consumer group: asked to rejoin with its id');
        return joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      work = this.applyJoin(g, memberId, unknown, req);
    } catch (err) {
      if (err instanceof Failed) return joinError(err.errorCode, req.memberId);
      throw err;
    }
    try {
      await this.host.store.write(g.groupId, work.records);
    } catch (err) {
      return joinError(groupErrorCode(err, this.host.log, { group: g.groupId, member: memberId }), req.memberId);
    }
    const { timers } = this.host;
    timers.cancelJoin(g.groupId, memberId);
    if (this.host.groups.get(g.groupId)?.members.get(memberId)) {
      this.host.scheduleSession(g.groupId, memberId);
      timers.sync(g.groupId, memberId, work.member.rebalanceTimeoutMs, () => this.host.fenceLater(g.groupId, memberId, 'the classic member did not sync within its rebalance timeout'));
    }
    return work.response;
  }

  private applyJoin(g: ConsumerGroup, memberId: string, unknown: boolean, req: JoinRequest): { response: JoinResult; records: StoreRecord[]; member: ConsumerMember } {
    const { previous, base, replaced } = this.memberFor(g, memberId, unknown, req);
    let subscription;
    try {
      subscription = decodeSubscription(req.protocols[0].metadata);
    } catch (err) {
      if (!(err instanceof MalformedProtocol)) throw err;
      throw new Failed(ErrorCode.UNKNOWN_SERVER_ERROR, 'Malformed embedded consumer protocol in subscription deserialization.');
    }
    const updated: ConsumerMember = {
      ...base,
      instanceId: req.groupInstanceId ?? base.instanceId,
      rackId: subscription.rackId ?? base.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : base.rebalanceTimeoutMs,
      subscribedTopicNames: sortedUnique(subscription.topics),
      clientId: req.clientId,
      clientHost: req.clientHost,
      classic: { sessionTimeoutMs: req.sessionTimeoutMs, protocols: req.protocols },
    };
    const owned: OwnedPartitions[] = [];
    for (const tp of subscription.ownedPartitions) {
      const topicId = this.host.topicId(tp.topic);
      if (topicId !== undefined) owned.push({ topicId, partitions: tp.partitions });
    }
    const { current, records } = this.host.applyMember(g, {
      created: false,
      previous,
      updated,
      replaced,
      owned,
      regexChanged: false,
      namesChanged: !sameNames(updated.subscribedTopicNames, base.subscribedTopicNames),
    });
    const response: JoinResult = {
      errorCode: ErrorCode.NONE,
      generationId: current.memberEpoch,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: req.protocols[0].name,
      leader: '',
      memberId,
      members: [],
      skipAssignment: false,
    };
    return { response, records, member: current };
  }

  /** Kafka's member lookup for a classic join: any member id is accepted; a static member replaces the one with its instance id. */
  private memberFor(g: ConsumerGroup, memberId: string, unknown: boolean, req: JoinRequest): { previous?: ConsumerMember; base: ConsumerMember; replaced?: ConsumerMember } {
    const fresh = (): ConsumerMember => newConsumerMember(memberId, req.rebalanceTimeoutMs);
    if (req.groupInstanceId === null) {
      const m = g.members.get(memberId);
      return m ? { previous: m, base: m } : { base: fresh() };
    }
    const existing = g.staticMember(req.groupInstanceId);
    if (unknown) {
      if (!existing) return { base: fresh() };
      this.host.log.info({ group: g.groupId, instanceId: req.groupInstanceId, member: memberId, replaced: existing.memberId }, 'static member rejoins the consumer group with the classic protocol');
      return { base: { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 }, replaced: existing };
    }
    if (!existing) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.groupInstanceId} is unknown.`);
    if (existing.memberId !== memberId) throw new Failed(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.groupInstanceId} was fenced by member ${existing.memberId}.`);
    return { previous: existing, base: existing };
  }

  // ------------------------------------------------------------------ SyncGroup and Heartbeat

  sync(g: ConsumerGroup, req: Omit<SyncRequest, 'assignments'>): SyncResult {
    try {
      const m = this.member(g, req.memberId, req.groupInstanceId);
      if (req.generationId !== m.memberEpoch) throw new Failed(ErrorCode.ILLEGAL_GENERATION, `The request generation id ${req.generationId} is not equal to the member epoch ${m.memberEpoch} of member ${m.memberId}.`);
      const protocolName = m.classic!.protocols[0].name;
      if ((req.protocolType !== null && req.protocolType !== CONSUMER_PROTOCOL_TYPE) || (req.protocolName !== null && req.protocolName !== protocolName))
        throw new Failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'The protocol type or name of the request does not match the group.');
      // Rejoin first when a new rebalance started, unless it is still revoking (its next rejoin follows anyway).
      if (g.groupEpoch > m.memberEpoch && m.state !== 'unrevoked_partitions') {
        this.joinTimeout(g, m);
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      }
      this.host.timers.cancelSync(g.groupId, m.memberId);
      this.host.scheduleSession(g.groupId, m.memberId);
      return { errorCode: ErrorCode.NONE, protocolType: req.protocolType, protocolName: req.protocolName, assignment: this.assignment(m) };
    } catch (err) {
      if (err instanceof Failed) return syncError(err.errorCode);
      throw err;
    }
  }

  heartbeat(g: ConsumerGroup, req: Omit<HeartbeatRequest, 'groupId'>): number {
    try {
      const m = this.member(g, req.memberId, req.groupInstanceId);
      if (req.generationId !== m.memberEpoch) return ErrorCode.ILLEGAL_GENERATION;
      this.host.scheduleSession(g.groupId, m.memberId);
      // Rejoin when the group moved on, when partitions must be revoked, or when the partitions it waited for are free.
      if (m.memberEpoch < g.groupEpoch || m.state === 'unrevoked_partitions' || (m.state === 'unreleased_partitions' && !g.waitingOnUnreleased(m))) {
        this.joinTimeout(g, m);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      }
      return ErrorCode.NONE;
    } catch (err) {
      if (err instanceof Failed) return err.errorCode;
      throw err;
    }
  }

  /** The member, looked up by instance id when it has one (Kafka's validateConsumerGroupMember), which must be a classic member. */
  private member(g: ConsumerGroup, memberId: string, instanceId: string | null): ConsumerMember {
    let m: ConsumerMember | undefined;
    if (instanceId === null) {
      m = g.members.get(memberId);
      if (!m) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${g.groupId}.`);
    } else {
      m = g.staticMember(instanceId);
      if (!m) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Member with instance id ${instanceId} is not a member of group ${g.groupId}.`);
      if (m.memberId !== memberId) throw new Failed(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${m.memberId}.`);
    }
    if (!m.classic) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${m.memberId} does not use the classic protocol.`);
    return m;
  }

  private joinTimeout(g: ConsumerGroup, m: ConsumerMember): void {
    this.host.timers.joinIfAbsent(g.groupId, m.memberId, m.rebalanceTimeoutMs, () => this.host.fenceLater(g.groupId, m.memberId, 'the classic member did not rejoin within its rebalance timeout'));
  }

  /** The member's assigned partitions as a ConsumerProtocolAssignment, in the version of its subscription. */
  private assignment(m: ConsumerMember): Buffer {
    let version = 0;
    try {
      version = protocolVersion(m.classic!.protocols[0].metadata);
    } catch {
      // read when it joined; cannot fail here
    }
    return encodeAssignment(m.assigned, version, this.host.topicName);
  }

  // ------------------------------------------------------------------ LeaveGroup

  /** LeaveGroup of classic members; the group epoch is bumped once for all who left. Consumer-protocol members are UNKNOWN_MEMBER_ID here. */
  leave(g: ConsumerGroup, members: LeavingMember[]): LeaveResult {
    const leaving: ConsumerMember[] = [];
    const results = members.map((x) => {
      try {
        let m: ConsumerMember | undefined;
        if (x.groupInstanceId === null) {
          m = g.members.get(x.memberId);
          if (!m) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${x.memberId} is not a member of group ${g.groupId}.`);
        } else {
          m = g.staticMember(x.groupInstanceId);
          if (!m) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${x.groupInstanceId} is unknown.`);
          // An admin removes a static member by instance id alone.
          if (x.memberId !== '' && m.memberId !== x.memberId) throw new Failed(ErrorCode.FENCED_INSTANCE_ID, `Static member ${x.memberId} was fenced by member ${m.memberId}.`);
        }
        if (!m.classic) throw new Failed(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${m.memberId} does not use the classic protocol.`);
        if (!leaving.includes(m)) leaving.push(m);
        this.host.log.info({ group: g.groupId, member: m.memberId, reason: x.reason ?? 'not provided' }, 'classic member left the consumer group');
        return { memberId: m.memberId, groupInstanceId: x.groupInstanceId, errorCode: ErrorCode.NONE };
      } catch (err) {
        if (!(err instanceof Failed)) throw err;
        return { memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode: err.errorCode };
      }
    });
    if (leaving.length > 0) {
      const records = this.host.removeMembers(g, leaving);
      this.host.store.write(g.groupId, records).catch((err: Error) => this.host.log.error({ group: g.groupId, err: err.message }, 'could not store the consumer group'));
    }
    return { errorCode: ErrorCode.NONE, members: results };
  }
}
