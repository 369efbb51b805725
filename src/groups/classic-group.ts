/**
 * A classic consumer group (JoinGroup/SyncGroup protocol): its members and the state machine
 * Empty → PreparingRebalance → CompletingRebalance → Stable (→ Dead when deleted). Pure state and
 * small decisions; timers, persistence and responses live in the coordinator.
 */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
  skipAssignment: boolean;
}

/** Who a classic member is, as its JoinGroup says and as the group keeps and stores it. */
export interface ClassicMemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

export const memberIdentity = (m: ClassicMemberIdentity): ClassicMemberIdentity => ({
  memberId: m.memberId,
  groupInstanceId: m.groupInstanceId,
  clientId: m.clientId,
  clientHost: m.clientHost,
  sessionTimeoutMs: m.sessionTimeoutMs,
  rebalanceTimeoutMs: m.rebalanceTimeoutMs,
});

export interface JoinRequest extends ClassicMemberIdentity {
  groupId: string;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  reason: string | null;
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may skip assignment. */
  supportsSkipAssignment: boolean;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export const joinError = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  memberId,
  members: [],
  skipAssignment: false,
});

export const syncError = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}
export type HeartbeatRequest = Pick<SyncRequest, 'groupId' | 'generationId' | 'memberId' | 'groupInstanceId'>;
export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}
export interface LeaveResult {
  errorCode: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

export interface Member extends ClassicMemberIdentity {
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  assignment: Buffer;
  joinWaiter?: (r: JoinResult) => void;
  syncWaiter?: (r: SyncResult) => void;
  sessionTimer?: NodeJS.Timeout;
  /**
   * Added by a JoinGroup whose rebalance has not completed yet. Such a member has no generation to
   * heartbeat with, so the new-member join timeout bounds it instead of its session timeout.
   */
  isNew?: boolean;
}

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
  expireTimestamp: number;
}

export class ClassicGroup {
  state: GroupState = 'Empty';
  protocolType: string | null = null;
  protocolName: string | null = null;
  generation = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Members told MEMBER_ID_REQUIRED (JoinGroup v4+), expected back with that id. */
  readonly pending = new Map<string, NodeJS.Timeout>();
  readonly staticMembers = new Map<string, string>();
  joinTimer?: NodeJS.Timeout;
  /** Members of the current generation that have not sent their SyncGroup yet, and the timer that removes them. */
  readonly pendingSync = new Set<string>();
  syncTimer?: NodeJS.Timeout;
  /** Set during the first rebalance of an empty group (group.initial.rebalance.delay.ms). */
  initialDelay?: { deadline: number; delay: number };
  /** When the group last changed state; offsets of an Empty group expire from here. */
  stateTimestamp = Date.now();

  constructor(readonly groupId: string) {}

  transition(state: GroupState): void {
    this.state = state;
    this.stateTimestamp = Date.now();
  }

  /** Protocols every member (and the candidate, if given) supports. */
  commonProtocols(candidate?: Array<{ name: string }>): Set<string> {
    let common: Set<string> | undefined;
    const lists = [...[...this.members.values()].map((m) => m.protocols), ...(candidate ? [candidate] : [])];
    for (const list of lists) {
      const names = new Set(list.map((p) => p.name));
      common = common ? new Set([...common].filter((n) => names.has(n))) : names;
    }
    return common ?? new Set();
  }

  /** Kafka's choice: each member votes for its most preferred protocol among the common ones. */
  selectProtocol(): string {
    const common = this.commonProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => common.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    return [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
  }

  allJoined(): boolean {
    if (this.pending.size > 0) return false;
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return true;
  }

  rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  sameProtocols(m: Member, protocols: Array<{ name: string; metadata: Buffer }>): boolean {
    return m.protocols.length === protocols.length && m.protocols.every((p, i) => p.name === protocols[i].name && p.metadata.equals(protocols[i].metadata));
  }

  /** Topics the members subscribe to, from consumer-protocol subscriptions (for OffsetDelete). */
  subscribedTopics(): Set<string> | undefined {
    if (this.protocolType !== 'consumer' || !this.protocolName) return undefined;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const meta = m.protocols.find((p) => p.name === this.protocolName)?.metadata;
      if (!meta || meta.length < 6) continue;
      try {
        let p = 2; // version
        const n = meta.readInt32BE(p);
        p += 4;
        for (let i = 0; i < n && p + 2 <= meta.length; i++) {
          const len = meta.readInt16BE(p);
          p += 2;
          topics.add(meta.toString('utf8', p, p + len));
          p += len;
        }
      } catch {
        return undefined;
      }
    }
    return topics;
  }
}
