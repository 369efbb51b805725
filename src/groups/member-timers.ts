/**
 * The timers of consumer-protocol members: the session timeout, reset by every heartbeat, and the
 * rebalance timeout, running while a member has partitions to revoke. Kept in memory only: after a
 * restart every member gets a fresh session.
 */
const MAX_DELAY = 2 ** 31 - 1;
const clamp = (ms: number): number => Math.min(Math.max(ms, 0), MAX_DELAY);

export class MemberTimers {
  private readonly slots = new Map<string, { session?: NodeJS.Timeout; rebalance?: NodeJS.Timeout }>();

  private slot(groupId: string, memberId: string): { session?: NodeJS.Timeout; rebalance?: NodeJS.Timeout } {
    const k = `${groupId}\u0000${memberId}`;
    let t = this.slots.get(k);
    if (!t) this.slots.set(k, (t = {}));
    return t;
  }

  /** (Re)starts the member's session timer. */
  session(groupId: string, memberId: string, ms: number, expire: () => void): void {
    const t = this.slot(groupId, memberId);
    clearTimeout(t.session);
    t.session = setTimeout(expire, clamp(ms)).unref();
  }

  /** (Re)starts the member's rebalance timer; a negative timeout expires at once, as in Kafka. */
  rebalance(groupId: string, memberId: string, ms: number, expire: () => void): void {
    const t = this.slot(groupId, memberId);
    clearTimeout(t.rebalance);
    t.rebalance = setTimeout(expire, clamp(ms)).unref();
  }

  cancelRebalance(groupId: string, memberId: string): void {
    const t = this.slots.get(`${groupId}\u0000${memberId}`);
    if (t) clearTimeout(t.rebalance);
  }

  cancel(groupId: string, memberId: string): void {
    const k = `${groupId}\u0000${memberId}`;
    const t = this.slots.get(k);
    if (!t) return;
    clearTimeout(t.session);
    clearTimeout(t.rebalance);
    this.slots.delete(k);
  }

  clear(): void {
    for (const t of this.slots.values()) {
      clearTimeout(t.session);
      clearTimeout(t.rebalance);
    }
    this.slots.clear();
  }
}
