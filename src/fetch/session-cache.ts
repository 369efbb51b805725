/**
 * Incremental fetch sessions (KIP-227). A session remembers the partitions a client fetches and
 * what it was last told about each, so that follow-up requests name only what changed and
 * responses carry only partitions with news. The cache is bounded: when full, the least recently
 * used session is evicted and its client falls back to a full fetch (FETCH_SESSION_ID_NOT_FOUND).
 */

/** One partition as a Fetch request asks for it. */
export interface FetchPosition {
  /** Stable key: topic name (or unresolved topic id) and partition. */
  key: string;
  topic: string | null;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
}

export interface SessionPartition extends FetchPosition {
  /** What the last response said, to decide whether this partition has news. */
  lastHighWatermark: bigint;
  lastStableOffset: bigint;
  lastLogStartOffset: bigint;
}

export class FetchSession {
  readonly partitions = new Map<string, SessionPartition>();
  /** The epoch the next incremental request must carry. */
  nextEpoch = 1;
  lastUsed = Date.now();
  constructor(readonly id: number) {}

  /** Moves partitions that just returned data to the end, so a small max.bytes cannot starve the rest. */
  rotate(served: string[]): void {
    for (const k of served) {
      const p = this.partitions.get(k);
      if (p) {
        this.partitions.delete(k);
        this.partitions.set(k, p);
      }
    }
  }

  bumpEpoch(): void {
    this.nextEpoch = this.nextEpoch >= 0x7fffffff ? 1 : this.nextEpoch + 1;
    this.lastUsed = Date.now();
  }
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1 + Math.floor(Math.random() * 1_000_000);

  constructor(readonly maxSessions = 1000) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    const s = this.sessions.get(id);
    if (s) {
      // Re-insert to keep the map in least-recently-used order.
      this.sessions.delete(id);
      this.sessions.set(id, s);
    }
    return s;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  create(): FetchSession {
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    let id = this.nextId;
    do {
      id = id >= 0x7fffffff ? 1 : id + 1;
    } while (this.sessions.has(id));
    this.nextId = id;
    const s = new FetchSession(id);
    this.sessions.set(id, s);
    return s;
  }
}
