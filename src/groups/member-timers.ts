/**
 * The timers of consumer-group members: the session timeout, reset by every heartbeat; the
 * rebalance timeout, running while a consumer-protocol member has partitions to revoke; and for
 * classic members inside a consumer group, the join timeout (told to rejoin, it must within its
 * rebalance timeout) and the sync timeout (joined, it must sync within it). Kept in memory only:
 * after a restart every member gets a fresh session.
 */
import { joinKey } from '../util/topic-partition.js';

const MAX_DELAY = 2 ** 31 - 1;
const clamp = (ms: number): number => Math.min(Math.max(ms, 0), MAX_DELAY);

type Kind = 'session' | 'rebalance' | 'join' | 'sync';
type Slot = Partial<Record<Kind, NodeJS.Timeout>>;

export class MemberTimers {
  private readonly slots = new Map<string, Slot>();

  private slot(groupId: string, memberId: string): Slot {
    const k = joinKey(groupId, memberId);
    let t = this.slots.get(k);
    if (!t) this.slots.set(k, (t = {}));
    return t;
  }

  private set(kind: Kind, groupId: string, memberId: string, ms: number, expire: () => void): void {
    const t = this.slot(groupId, memberId);
    clearTimeout(t[kind]);
    const timer = setTimeout(() => {
      if (t[kind] === timer) delete t[kind];
      expire();
    }, clamp(ms)).unref();
    t[kind] = timer;
  }

  private cancelKind(kind: Kind, groupId: string, memberId: string): void {
    const t = this.slots.get(joinKey(groupId, memberId));
    if (!t) return;
    clearTimeout(t[kind]);
    delete t[kind];
  }

  /** (Re)starts the member's session timer. */
  session(groupId: string, memberId: string, ms: number, expire: () => void): void {
    this.set('session', groupId, memberId, ms, expire);
  }

  /** (Re)starts the member's rebalance timer; a negative timeout expires at once, as in Kafka. */
  rebalance(groupId: string, memberId: string, ms: number, expire: () => void): void {
    this.set('rebalance', groupId, memberId, ms, expire);
  }

  cancelRebalance(groupId: string, memberId: string): void {
    this.cancelKind('rebalance', groupId, memberId);
  }

  /** Starts a classic member's join timer unless one is running. */
  joinIfAbsent(groupId: string, memberId: string, ms: number, expire: () => void): void {
    if (this.slots.get(joinKey(groupId, memberId))?.join) return;
    this.set('join', groupId, memberId, ms, expire);
  }

  cancelJoin(groupId: string, memberId: string): void {
    this.cancelKind('join', groupId, memberId);
  }

  /** (Re)starts a classic member's sync timer. */
  sync(groupId: string, memberId: string, ms: number, expire: () => void): void {
    this.set('sync', groupId, memberId, ms, expire);
  }

  cancelSync(groupId: string, memberId: string): void {
    this.cancelKind('sync', groupId, memberId);
  }

  cancel(groupId: string, memberId: string): void {
    const k = joinKey(groupId, memberId);
    const t = this.slots.get(k);
    if (!t) return;
    for (const timer of Object.values(t)) clearTimeout(timer);
    this.slots.delete(k);
  }

  clear(): void {
    for (const t of this.slots.values()) for (const timer of Object.values(t)) clearTimeout(timer);
    this.slots.clear();
  }
}
