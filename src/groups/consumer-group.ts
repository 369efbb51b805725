/**
 * A consumer group of the KIP-848 protocol: its members, the group epoch (bumped whenever the
 * members, their subscriptions or the subscribed topics change), the target assignment and its
 * epoch, and who currently owns each partition. State is derived: Empty, Assigning (a new target
 * assignment is due), Reconciling (a member has not reached it) or Stable. Pure state and small
 * decisions; timers, persistence and the protocol rules are in consumer-coordinator.ts.
 */
import type { Assignment } from './assignors.js';
import { isReconciledTo, type CurrentAssignment } from './reconcile.js';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

/** ConsumerGroupHeartbeat epochs with a meaning of their own. */
export const LEAVE_EPOCH = -1;
export const STATIC_LEAVE_EPOCH = -2;

/** Who a consumer-protocol member is and what it subscribes to, as kept and as stored. */
export interface ConsumerMemberIdentity {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  /** Sorted, without duplicates. */
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
}

export interface ConsumerMember extends CurrentAssignment, ConsumerMemberIdentity {
  /** Set for a member that speaks the classic protocol (JoinGroup/SyncGroup) inside a consumer group. */
  classic?: ClassicMemberMetadata;
}

/** What a classic member brought with its JoinGroup. */
export interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  /** Its protocols (assignor names with its subscription), in its order of preference. */
  protocols: Array<{ name: string; metadata: Buffer }>;
}

/** A member as it first joins (epoch 0, nothing subscribed or assigned yet). */
export function newConsumerMember(memberId: string, rebalanceTimeoutMs: number): ConsumerMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    clientId: '',
    clientHost: '',
    rebalanceTimeoutMs,
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: 'stable',
    assigned: new Map(),
    pendingRevocation: new Map(),
  };
}

export interface TopicMeta {
  id: string;
  partitions: number;
}

/**
 * A subscription regex as Kafka (RE2/J) reads it: matched against the whole topic name. Leading
 * inline flags (?i), (?s), (?m) and (?P<name>…) groups are translated; lookaround and
 * backreferences, which RE2 does not have, are refused, and so is a repeated group that itself
 * repeats or alternates ((a+)+, (a|b)*): RE2 matches in linear time, JavaScript backtracks, and
 * such a pattern could stall the broker. Throws SyntaxError on a bad one.
 */
export function compileRegex(source: string): RegExp {
  let flags = '';
  let body = source;
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead) {
    flags = [...new Set(lead[1])].join('');
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<').replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  if (/\(\?<?[=!]/.test(body) || /\\[1-9]|\\k</.test(body)) throw new SyntaxError('lookaround and backreferences are not supported');
  const re = new RegExp(`^(?:${body})$`, flags);
  if (nestedRepetition(body)) throw new SyntaxError('a repeated group may not itself contain repetition or alternation');
  return re;
}

/** Whether a group followed by *, + or {…} contains a quantifier or an alternation. */
function nestedRepetition(src: string): boolean {
  const groups: boolean[] = []; // per open group: does it repeat or alternate inside?
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++, i += src[i] === '^' ? 1 : 0, i += src[i] === ']' ? 1 : 0; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') groups.push(false);
    else if (c === ')') {
      const risky = groups.pop() ?? false;
      if (risky && /[*+{]/.test(src[i + 1] ?? '')) return true;
      if (risky && groups.length > 0) groups[groups.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{' || c === '|' || (c === '?' && src[i - 1] !== '(')) && groups.length > 0) groups[groups.length - 1] = true;
  }
  return false;
}

const pkey = (topicId: string, p: number): string => `${topicId}:${p}`;

/** Topic names as members' subscriptions keep them: sorted, without duplicates. */
export const sortedUnique = (names: readonly string[]): string[] => [...new Set(names)].sort();

export const sameNames = (a: readonly string[], b: readonly string[]): boolean => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** member id → its target assignment. */
  readonly targets = new Map<string, Assignment>();
  /** Topics subscribed by any member, as they were when the group epoch was last set. */
  subscriptionMetadata = new Map<string, TopicMeta>();
  /** Resolved subscription regexes (not persisted: resolved again after a restart). */
  private readonly regexes = new Map<string, { topics: Set<string>; at: number }>();
  /** "topicId:partition" → the member owning it (assigned or pending revocation). */
  private readonly owners = new Map<string, string>();
  /** subscribedTopicNames(), until a subscription or a resolved regex changes. */
  private names?: Set<string>;

  constructor(readonly groupId: string) {}

  state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) if (!isReconciledTo(m, this.assignmentEpoch)) return 'Reconciling';
    return 'Stable';
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    const id = this.staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  /** Adds or replaces a member, keeping the instance id and partition owner indexes in step. */
  setMember(m: ConsumerMember): void {
    const old = this.members.get(m.memberId);
    if (!old || old.subscribedTopicRegex !== m.subscribedTopicRegex || !sameNames(old.subscribedTopicNames, m.subscribedTopicNames)) this.names = undefined;
    if (old) {
      this.release(old);
      if (old.instanceId !== null && old.instanceId !== m.instanceId && this.staticMembers.get(old.instanceId) === m.memberId) this.staticMembers.delete(old.instanceId);
    }
    this.members.set(m.memberId, m);
    if (m.instanceId !== null) this.staticMembers.set(m.instanceId, m.memberId);
    for (const a of [m.assigned, m.pendingRevocation]) for (const [t, ps] of a) for (const p of ps) this.owners.set(pkey(t, p), m.memberId);
  }

  removeMember(memberId: string): ConsumerMember | undefined {
    const m = this.members.get(memberId);
    if (!m) return undefined;
    this.release(m);
    this.names = undefined;
    this.members.delete(memberId);
    this.targets.delete(memberId);
    if (m.instanceId !== null && this.staticMembers.get(m.instanceId) === memberId) this.staticMembers.delete(m.instanceId);
    return m;
  }

  private release(m: ConsumerMember): void {
    for (const a of [m.assigned, m.pendingRevocation]) for (const [t, ps] of a) for (const p of ps) if (this.owners.get(pkey(t, p)) === m.memberId) this.owners.delete(pkey(t, p));
  }

  ownedByOther(memberId: string, topicId: string, p: number): boolean {
    const o = this.owners.get(pkey(topicId, p));
    return o !== undefined && o !== memberId;
  }

  /** Members that use the classic protocol. */
  classicMembers(): ConsumerMember[] {
    return [...this.members.values()].filter((m) => m.classic);
  }

  /** Kafka's check for a classic member joining: protocol type "consumer" and a protocol every classic member supports. */
  supportsClassicProtocols(protocolType: string, names: string[]): boolean {
    if (protocolType !== 'consumer') return false;
    if (this.members.size === 0) return names.length > 0;
    const classic = this.classicMembers();
    return names.some((n) => classic.every((m) => m.classic!.protocols.some((p) => p.name === n)));
  }

  /** Whether every member but this one uses the classic protocol, and this one does not. */
  allOthersClassic(memberId: string): boolean {
    const m = this.members.get(memberId);
    return m !== undefined && !m.classic && this.classicMembers().length === this.members.size - 1;
  }

  /** A member waiting for partitions still owned by others (Kafka's waitingOnUnreleasedPartition). */
  waitingOnUnreleased(m: ConsumerMember): boolean {
    if (m.state !== 'unreleased_partitions') return false;
    for (const [t, ps] of this.targets.get(m.memberId) ?? new Map<string, Set<number>>()) for (const p of ps) if (!(m.assigned.get(t)?.has(p) ?? false) && this.ownedByOther(m.memberId, t, p)) return true;
    return false;
  }

  /** The server assignor most members asked for, if any asked (Kafka's preferred assignor). */
  preferredAssignor(): string | null {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best: string | null = null;
    for (const [name, n] of votes) if (best === null || n > votes.get(best)! || (n === votes.get(best)! && name < best)) best = name;
    return best;
  }

  /** The topic names a member subscribes to: its names and what its regex resolved to. */
  memberTopicNames(m: Pick<ConsumerMember, 'subscribedTopicNames' | 'subscribedTopicRegex'>): Set<string> {
    const names = new Set(m.subscribedTopicNames);
    if (m.subscribedTopicRegex) for (const t of this.regexes.get(m.subscribedTopicRegex)?.topics ?? []) names.add(t);
    return names;
  }

  /** Every topic name some member subscribes to. */
  subscribedTopicNames(): Set<string> {
    if (this.names) return this.names;
    const all = new Set<string>();
    for (const m of this.members.values()) for (const t of this.memberTopicNames(m)) all.add(t);
    return (this.names = all);
  }

  /** When the regex was last resolved, if it was. */
  regexResolvedAt(regex: string): number | undefined {
    return this.regexes.get(regex)?.at;
  }

  setRegexTopics(regex: string, topics: Set<string>, at: number): void {
    const before = this.regexes.get(regex)?.topics;
    if (!before || before.size !== topics.size || [...topics].some((t) => !before.has(t))) this.names = undefined;
    this.regexes.set(regex, { topics, at });
  }

  /** Forgets resolved regexes no member uses any more. */
  pruneRegexes(used: ReadonlySet<string>): void {
    for (const r of this.regexes.keys()) if (!used.has(r)) this.regexes.delete(r);
  }

  /** Ids of the existing topics a member subscribes to, according to the subscription metadata. */
  memberTopicIds(m: ConsumerMember, metadata = this.subscriptionMetadata): Set<string> {
    const ids = new Set<string>();
    for (const t of this.memberTopicNames(m)) {
      const meta = metadata.get(t);
      if (meta) ids.add(meta.id);
    }
    return ids;
  }
}

export function sameMetadata(a: ReadonlyMap<string, TopicMeta>, b: ReadonlyMap<string, TopicMeta>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, m] of a) {
    const o = b.get(name);
    if (!o || o.id !== m.id || o.partitions !== m.partitions) return false;
  }
  return true;
}
