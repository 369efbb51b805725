/**
 * Sparse indexes of a segment, kept in memory (a few MiB for a full 1 GiB segment) and written to
 * disk in Kafka's layouts when a segment is sealed or the broker shuts down cleanly:
 * .index entries are (relative offset int32, position int32), .timeindex entries are
 * (timestamp int64, relative offset int32), both big-endian. After a crash, the indexes of the
 * segments past the recovery point are rebuilt from the log itself.
 */

class Growable {
  data: Float64Array;
  length = 0;
  /** Bumped by every change: whether the entries still equal what was last read or written. */
  changes = 0;
  constructor(private readonly width: number) {
    this.data = new Float64Array(16 * width);
  }
  push(...values: number[]): void {
    if ((this.length + 1) * this.width > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data.set(values, this.length * this.width);
    this.length++;
    this.changes++;
  }
  at(i: number, col: number): number {
    return this.data[i * this.width + col];
  }
  /** Drops the trailing entries whose column `col` is >= value. */
  truncateFrom(col: number, value: number): void {
    const before = this.length;
    while (this.length > 0 && this.at(this.length - 1, col) >= value) this.length--;
    if (this.length !== before) this.changes++;
  }
  /** Index of the last entry whose column `col` is <= value (or < value when strict), -1 if none. */
  floor(col: number, value: number, strict = false): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.at(mid, col);
      if (strict ? v < value : v <= value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/** An index of (key, value) entries in ascending order. */
abstract class PairIndex {
  protected readonly entries = new Growable(2);

  get count(): number {
    return this.entries.length;
  }

  /** Changes made since the index was created (loading included). */
  get changes(): number {
    return this.entries.changes;
  }
}

export class OffsetIndex extends PairIndex {
  append(relativeOffset: number, position: number): void {
    this.entries.push(relativeOffset, position);
  }

  /** File position of the last indexed batch starting at or before relativeOffset (0 if none). */
  lookup(relativeOffset: number): number {
    const i = this.entries.floor(0, relativeOffset);
    return i < 0 ? 0 : this.entries.at(i, 1);
  }

  last(): { relativeOffset: number; position: number } | undefined {
    const n = this.entries.length;
    return n === 0 ? undefined : { relativeOffset: this.entries.at(n - 1, 0), position: this.entries.at(n - 1, 1) };
  }

  /** Drops entries at or past `position` (log truncation). */
  truncateToPosition(position: number): void {
    this.entries.truncateFrom(1, position);
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.entries.length * 8);
    for (let i = 0; i < this.entries.length; i++) {
      buf.writeInt32BE(this.entries.at(i, 0), i * 8);
      buf.writeInt32BE(this.entries.at(i, 1), i * 8 + 4);
    }
    return buf;
  }

  /** Loads a file's entries; returns false when they are not plausible for a log of `logSize` bytes. */
  load(buf: Buffer, logSize: number): boolean {
    if (buf.length % 8 !== 0) return false;
    let prevRel = -1;
    let prevPos = -1;
    for (let p = 0; p < buf.length; p += 8) {
      const rel = buf.readInt32BE(p);
      const pos = buf.readInt32BE(p + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return false;
      this.entries.push(rel, pos);
      prevRel = rel;
      prevPos = pos;
    }
    return true;
  }
}

export class TimeIndex extends PairIndex {
  maybeAppend(timestamp: number, relativeOffset: number): void {
    const n = this.entries.length;
    if (n > 0 && timestamp <= this.entries.at(n - 1, 0)) return;
    this.entries.push(timestamp, relativeOffset);
  }

  /**
   * Relative offset from which to scan for the first batch with a timestamp >= target: every batch
   * before the returned offset has a max timestamp below the target. 0 when nothing is known.
   */
  lookup(target: number): number {
    const i = this.entries.floor(0, target, true);
    return i < 0 ? 0 : this.entries.at(i, 1);
  }

  lastTimestamp(): number {
    const n = this.entries.length;
    return n === 0 ? -1 : this.entries.at(n - 1, 0);
  }

  truncateToOffset(relativeOffset: number): void {
    this.entries.truncateFrom(1, relativeOffset);
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.entries.length * 12);
    for (let i = 0; i < this.entries.length; i++) {
      buf.writeBigInt64BE(BigInt(this.entries.at(i, 0)), i * 12);
      buf.writeInt32BE(this.entries.at(i, 1), i * 12 + 8);
    }
    return buf;
  }

  load(buf: Buffer): boolean {
    if (buf.length % 12 !== 0) return false;
    let prevTs = -Infinity;
    for (let p = 0; p < buf.length; p += 12) {
      const ts = Number(buf.readBigInt64BE(p));
      const rel = buf.readInt32BE(p + 8);
      if (ts <= prevTs) return false;
      this.entries.push(ts, rel);
      prevTs = ts;
    }
    return true;
  }
}
