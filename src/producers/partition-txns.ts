/**
 * Transactions as one partition sees them: the first offset of every producer's open transaction
 * (the last stable offset is the smallest of them, or the high watermark), and the aborted
 * transactions, which Fetch in read_committed returns so that clients drop their records.
 */

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: number;
  /** Offset of the abort marker. */
  lastOffset: number;
}

export interface PartitionTxnsSnapshot {
  ongoing: Array<[string, number]>;
  aborted: Array<{ producerId: string; firstOffset: number; lastOffset: number }>;
}

export class PartitionTxns {
  readonly ongoing = new Map<string, number>();
  aborted: AbortedTxn[] = [];

  /** A transactional batch was appended at `offset`. */
  begin(producerId: bigint, offset: number): void {
    const k = producerId.toString();
    if (!this.ongoing.has(k)) this.ongoing.set(k, offset);
  }

  /** A commit or abort marker was appended at `markerOffset`. */
  end(producerId: bigint, commit: boolean, markerOffset: number): void {
    const k = producerId.toString();
    const first = this.ongoing.get(k);
    if (first === undefined) return;
    this.ongoing.delete(k);
    if (!commit) this.aborted.push({ producerId, firstOffset: first, lastOffset: markerOffset });
  }

  /** The smallest first offset of an open transaction, or undefined. */
  firstUnstableOffset(): number | undefined {
    let min: number | undefined;
    for (const v of this.ongoing.values()) if (min === undefined || v < min) min = v;
    return min;
  }

  /** The last stable offset of a log at `highWatermark`: below it no transaction is open. */
  lastStableOffset(highWatermark: number): number {
    const first = this.firstUnstableOffset();
    return first === undefined ? highWatermark : Math.min(first, highWatermark);
  }

  /**
   * Aborted transactions overlapping [from, to). The list is in marker order, so the ones ending at
   * or after `from` are a suffix, found by bisection: a consumer near the end of the log looks at a
   * few entries, not at every abort the partition still holds.
   */
  abortedIn(from: number, to: number): AbortedTxn[] {
    let lo = 0;
    let hi = this.aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.aborted[mid].lastOffset < from) lo = mid + 1;
      else hi = mid;
    }
    const out: AbortedTxn[] = [];
    for (let i = lo; i < this.aborted.length; i++) if (this.aborted[i].firstOffset < to) out.push(this.aborted[i]);
    return out;
  }

  /** Forgets aborted transactions wholly below the log start offset (retention, DeleteRecords). */
  trim(logStartOffset: number): void {
    if (this.aborted.length > 0 && this.aborted[0].lastOffset < logStartOffset) this.aborted = this.aborted.filter((a) => a.lastOffset >= logStartOffset);
  }

  snapshot(): PartitionTxnsSnapshot {
    return { ongoing: [...this.ongoing], aborted: this.aborted.map((a) => ({ ...a, producerId: a.producerId.toString() })) };
  }

  load(s: PartitionTxnsSnapshot | undefined): void {
    this.ongoing.clear();
    this.aborted = [];
    if (!s) return;
    for (const [k, v] of s.ongoing) this.ongoing.set(k, v);
    this.aborted = s.aborted.map((a) => ({ ...a, producerId: BigInt(a.producerId) }));
  }
}

/** The control record of a marker: key (version 0, type 0 abort / 1 commit), value (version 0, coordinator epoch). */
export function markerRecord(commit: boolean, coordinatorEpoch: number): { key: Buffer; value: Buffer } {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(commit ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return { key, value };
}
