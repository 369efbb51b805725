/**
 * The leader epochs of a log and where each starts (Kafka's LeaderEpochFileCache), kept in memory;
 * the file log persists its entries as the leader-epoch-checkpoint (leader-epochs.ts). Entries are
 * ordered by epoch and by start offset alike. Followers truncate with endOffsetFor (answered to
 * OffsetForLeaderEpoch), so its cases follow Kafka's exactly.
 *
 * Every mutation returns whether the entries changed, so that the file log writes the checkpoint
 * only then.
 */
import type { EpochEntry } from './leader-epochs.js';

/** Kafka's OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: number;
}

export class LeaderEpochCache {
  private list: EpochEntry[];

  constructor(entries: readonly EpochEntry[] = []) {
    this.list = entries.map((e) => ({ epoch: e.epoch, startOffset: e.startOffset }));
  }

  /** A copy of the entries, oldest first. */
  entries(): EpochEntry[] {
    return this.list.map((e) => ({ ...e }));
  }

  latest(): EpochEntry | undefined {
    return this.list[this.list.length - 1];
  }

  /** The newest epoch with an entry, UNDEFINED_EPOCH when there is none. */
  latestEpoch(): number {
    return this.latest()?.epoch ?? UNDEFINED_EPOCH;
  }

  /**
   * Kafka's assign: `epoch` starts at `startOffset`. A no-op when it is the latest epoch already
   * and starts no earlier; otherwise every entry from the end that is not strictly older (by epoch
   * and by offset) goes first, so the entries stay monotonic (a follower's batches are the truth).
   * Negative values (batches without a partition leader epoch) are ignored.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const last = this.latest();
    if (last && last.epoch === epoch && startOffset >= last.startOffset) return false;
    let keep = this.list.length;
    while (keep > 0 && (this.list[keep - 1].epoch >= epoch || this.list[keep - 1].startOffset >= startOffset)) keep--;
    this.list.length = keep;
    this.list.push({ epoch, startOffset });
    return true;
  }

  /** Kafka's clear: no entries at all (the log was emptied); whether there were any. */
  clear(): boolean {
    const had = this.list.length > 0;
    this.list = [];
    return had;
  }

  /** Kafka's truncateFromEnd: entries starting at or after `endOffset` go (the log was cut there). */
  truncateFromEnd(endOffset: number): boolean {
    if (endOffset < 0) return false;
    let keep = this.list.length;
    while (keep > 0 && this.list[keep - 1].startOffset >= endOffset) keep--;
    if (keep === this.list.length) return false;
    this.list.length = keep;
    return true;
  }

  /**
   * Kafka's truncateFromStart: the log now starts at `startOffset`. Entries starting at or before
   * it go, except the last of them, which now starts there (its epoch covers the new start).
   */
  truncateFromStart(startOffset: number): boolean {
    let n = 0;
    while (n < this.list.length && this.list[n].startOffset <= startOffset) n++;
    if (n === 0) return false;
    const covering = this.list[n - 1];
    if (n === 1 && covering.startOffset === startOffset) return false;
    this.list.splice(0, n, { epoch: covering.epoch, startOffset });
    return true;
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= `requested` and where it ends, which is the start of
   * the next higher epoch, or `logEndOffset` for the latest epoch. An epoch below the first entry
   * ends where the first starts (the data before it is gone); UNDEFINED_EPOCH, an epoch above the
   * latest or an empty cache give (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    const undefinedEnd = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === UNDEFINED_EPOCH) return undefinedEnd;
    const latest = this.latest();
    if (latest && latest.epoch === requested) return { leaderEpoch: requested, endOffset: logEndOffset };
    const higher = this.list.findIndex((e) => e.epoch > requested);
    if (higher < 0) return undefinedEnd;
    const startOfHigher = this.list[higher].startOffset;
    if (higher === 0) return { leaderEpoch: requested, endOffset: startOfHigher };
    return { leaderEpoch: this.list[higher - 1].epoch, endOffset: startOfHigher };
  }
}
