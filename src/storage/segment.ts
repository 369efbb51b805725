/**
 * One segment of a partition's log: `<baseOffset:20 digits>.log` holding record batches exactly as
 * they travel on the wire, with its sparse `.index` and `.timeindex`.
 */
import { join } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { OffsetIndex, TimeIndex } from './indexes.js';
import { writeFileAtomic } from '../util/fs.js';
import type { FileCache } from './file-cache.js';
import { readAt, readAtSync, ftruncate, fsync } from './fs-ops.js';
import { isIntactBatch, LOG_OVERHEAD, readInt64, HeaderOffset, BATCH_HEADER_SIZE } from '../protocol/record-batch.js';

/** Reads up to this size, within RECENT_BYTES of the end written, skip the threadpool (readRecent). */
const SYNC_READ_MAX = 256 * 1024;
const RECENT_BYTES = 4 * 1024 * 1024;

export function segmentName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

/** Header fields of a batch the segment needs, read from its first 61 bytes. */
export interface BatchMeta {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  recordCount: number;
}

export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes assigned, pending writes included. */
  size = 0;
  /** Bytes written to the file (readable). */
  written = 0;
  /** Offset after the last batch appended. */
  nextOffset: number;
  /** Largest batch max timestamp in the segment, -1 when none. */
  maxTimestamp = -1;
  /** When the segment was created (wall clock), for log.roll.ms when batches carry no timestamp. */
  created: number;
  /** Max timestamp of the segment's first batch, -1 when none: log.roll.ms counts from it. */
  firstBatchTimestamp = -1;
  /** Modification time of the file, the retention clock for a segment without timestamps. */
  lastModified = Date.now();
  index = new OffsetIndex();
  timeIndex = new TimeIndex();
  private bytesSinceIndex = 0;
  /** Base offset of the last batch appended. */
  private lastBatchOffset = -1;
  private indexesLoaded = true;
  /** The indexes as the files on disk hold them (read from them or written to them), if known. */
  private savedIndexes: { index: OffsetIndex; timeIndex: TimeIndex; changes: number } | undefined;
  /** Set once the segment is no longer the active one and its last write has landed. */
  sealed = false;
  /** Set when compaction replaced this segment's file: what was read through it may be stale. */
  retired = false;

  constructor(readonly dir: string, readonly baseOffset: number, private readonly files: FileCache) {
    const name = segmentName(baseOffset);
    this.logPath = join(dir, `${name}.log`);
    this.indexPath = join(dir, `${name}.index`);
    this.timeIndexPath = join(dir, `${name}.timeindex`);
    this.nextOffset = baseOffset;
    this.created = Date.now();
  }

  /** Records a batch about to be written at `position` in the indexes (called in append order). */
  track(meta: BatchMeta, position: number, indexIntervalBytes: number): void {
    if (meta.maxTimestamp > this.maxTimestamp) this.maxTimestamp = meta.maxTimestamp;
    if (position === 0 || this.bytesSinceIndex > indexIntervalBytes) {
      const rel = meta.baseOffset - this.baseOffset;
      this.index.append(rel, position);
      // Every batch before `rel` has a timestamp <= maxTimestamp: what TimeIndex.lookup relies on.
      if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, rel);
      this.bytesSinceIndex = 0;
    }
    if (position === 0) this.firstBatchTimestamp = meta.maxTimestamp;
    this.lastBatchOffset = meta.baseOffset;
    this.nextOffset = meta.lastOffset + 1;
  }

  /** Largest timestamp in the segment (loads a trusted segment's time index on first use). */
  async largestTimestamp(): Promise<number> {
    await this.ensureIndexes();
    return this.maxTimestamp;
  }

  addBytes(n: number): void {
    this.bytesSinceIndex += n;
  }

  /** File position from which to scan for `offset`. */
  async positionFor(offset: number): Promise<number> {
    await this.ensureIndexes();
    return this.index.lookup(offset - this.baseOffset);
  }

  async positionForTimestamp(ts: number): Promise<number> {
    await this.ensureIndexes();
    return this.index.lookup(this.timeIndex.lookup(ts));
  }

  read(length: number, position: number): Promise<Buffer> {
    return this.files.with(this.logPath, (fd) => readAt(fd, length, position));
  }

  /**
   * A read near the end of what was written (a consumer at the tail): small ones are read without
   * the threadpool (fs-ops readAtSync), the bytes being in the page cache since their write.
   */
  readRecent(length: number, position: number): Promise<Buffer> {
    if (length > SYNC_READ_MAX || position < this.written - RECENT_BYTES) return this.read(length, position);
    return this.files.with(this.logPath, async (fd) => readAtSync(fd, length, position));
  }

  /** Writes the indexes (Kafka's layout) and fsyncs the log: the segment is now durable and closed. */
  async seal(): Promise<void> {
    await this.files.with(this.logPath, (fd) => fsync(fd));
    await this.writeIndexes();
    this.sealed = true;
  }

  async writeIndexes(): Promise<void> {
    if (!this.indexesLoaded) return;
    // A final entry so that the time index's last timestamp is the segment's largest.
    if (this.maxTimestamp >= 0 && this.lastBatchOffset >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.lastBatchOffset - this.baseOffset);
    // Unchanged since read or written: a clean shutdown of thousands of idle partitions need not
    // rewrite (and fsync) every index file.
    if (this.indexesSaved()) return;
    const { index, timeIndex } = this;
    const changes = index.changes + timeIndex.changes;
    await writeFileAtomic(this.indexPath, index.serialize());
    await writeFileAtomic(this.timeIndexPath, timeIndex.serialize());
    this.savedIndexes = { index, timeIndex, changes };
  }

  private indexesSaved(): boolean {
    const s = this.savedIndexes;
    return s !== undefined && s.index === this.index && s.timeIndex === this.timeIndex && s.changes === this.index.changes + this.timeIndex.changes;
  }

  /**
   * Opens a segment of a cleanly shut down log without reading it: indexes load on first use.
   * The caller sets nextOffset (from the next segment or a tail scan).
   */
  static openTrusted(dir: string, baseOffset: number, files: FileCache): Segment {
    const seg = new Segment(dir, baseOffset, files);
    // Synchronous, as the other small reads of an opening (see loadSegments in log-loader.ts).
    const st = statSync(seg.logPath);
    seg.size = seg.written = st.size;
    seg.lastModified = st.mtimeMs;
    seg.indexesLoaded = false;
    seg.sealed = true;
    return seg;
  }

  /**
   * `sync`: read the index files synchronously (the active segment's, while its log opens: a few
   * KiB to a few MiB from the page cache). Older segments' load on first use, on the thread pool.
   */
  private async ensureIndexes(sync = false): Promise<void> {
    if (this.indexesLoaded) return;
    this.indexesLoaded = true;
    const index = new OffsetIndex();
    const timeIndex = new TimeIndex();
    // Unreadable counts as missing, either way: the indexes are then rebuilt from the log.
    const readSync = (path: string): Buffer | undefined => {
      try {
        return readFileSync(path);
      } catch {
        return undefined;
      }
    };
    const [ib, tb] = sync
      ? [readSync(this.indexPath), readSync(this.timeIndexPath)]
      : await Promise.all([readFile(this.indexPath).catch(() => undefined), readFile(this.timeIndexPath).catch(() => undefined)]);
    if (ib && tb && index.load(ib, this.written) && timeIndex.load(tb)) {
      this.index = index;
      this.timeIndex = timeIndex;
      this.savedIndexes = { index, timeIndex, changes: index.changes + timeIndex.changes };
      this.maxTimestamp = timeIndex.lastTimestamp();
      return;
    }
    // Missing or implausible index files: rebuild from the log (the log is the truth).
    await this.scan(0, Infinity);
  }

  /**
   * After a clean shutdown: loads the indexes and reads only the batch headers after the last index
   * entry, to learn the segment's end offset and largest timestamp.
   */
  async scanTail(): Promise<void> {
    await this.ensureIndexes(true);
    const last = this.index.last();
    let pos = last ? last.position : 0;
    while (pos < this.written) {
      const at = pos;
      const head = await this.files.with(this.logPath, async (fd) => readAtSync(fd, BATCH_HEADER_SIZE, at));
      if (head.length < BATCH_HEADER_SIZE) break;
      const base = readInt64(head, HeaderOffset.BASE_OFFSET);
      const ts = readInt64(head, HeaderOffset.MAX_TIMESTAMP);
      if (ts > this.maxTimestamp) this.maxTimestamp = ts;
      this.lastBatchOffset = base;
      this.nextOffset = base + head.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA) + 1;
      pos += head.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD;
    }
  }

  /**
   * Reads the log from `from`, checking every batch's framing, CRC and offsets, and rebuilds the
   * indexes. Stops at the first damaged batch and truncates the file there. Returns whether the
   * whole file was intact.
   */
  async scan(from: number, indexIntervalBytes: number, expectedNext = this.baseOffset): Promise<boolean> {
    this.index = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.indexesLoaded = true;
    this.bytesSinceIndex = 0;
    this.maxTimestamp = -1;
    this.lastBatchOffset = -1;
    this.nextOffset = this.baseOffset;
    const interval = Number.isFinite(indexIntervalBytes) ? indexIntervalBytes : 4096;
    const fileSize = (await stat(this.logPath)).size;
    const CHUNK = 8 * 1024 * 1024;
    // `pos` is always the end of the last intact batch: the file is cut there if anything follows.
    let pos = from;
    let next = expectedNext;
    let intact = true;
    while (pos < fileSize && intact) {
      const buf = await this.read(Math.min(CHUNK, fileSize - pos), pos);
      let p = 0;
      while (p < buf.length) {
        if (buf.length - p < BATCH_HEADER_SIZE) {
          if (pos + buf.length >= fileSize) intact = false; // a torn header at the end of the file
          break;
        }
        const size = buf.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
        if (size < BATCH_HEADER_SIZE || pos + p + size > fileSize) {
          intact = false;
          break;
        }
        let src = buf;
        let at = p;
        if (size > buf.length - p) {
          if (p > 0) break; // re-read from this batch
          src = await this.read(size, pos); // a batch larger than the chunk
          at = 0;
        }
        if (!this.acceptBatch(src, at, pos + p, next, interval)) {
          intact = false;
          break;
        }
        next = this.nextOffset;
        this.addBytes(size);
        p += size;
      }
      pos += p;
      if (p === 0 && intact) intact = false; // no progress: nothing readable here
    }
    if (!intact || pos < fileSize) {
      await this.files.with(this.logPath, (fd) => ftruncate(fd, pos));
      intact = false;
    }
    this.size = this.written = pos;
    return intact;
  }

  private acceptBatch(buf: Buffer, p: number, position: number, expectedNext: number, interval: number): boolean {
    const size = buf.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
    if (!isIntactBatch(buf, p, p + size)) return false;
    const base = readInt64(buf, p);
    if (base < expectedNext) return false;
    const last = base + buf.readInt32BE(p + HeaderOffset.LAST_OFFSET_DELTA);
    if (last < base) return false;
    this.track({ baseOffset: base, lastOffset: last, maxTimestamp: readInt64(buf, p + HeaderOffset.MAX_TIMESTAMP), recordCount: buf.readInt32BE(p + HeaderOffset.RECORDS_COUNT) }, position, interval);
    return true;
  }

  /** Cuts the segment to end before `offset` (for truncate-to-offset). */
  async truncateTo(offset: number, indexIntervalBytes: number): Promise<void> {
    const pos = await this.positionFor(offset);
    await this.scan(0, indexIntervalBytes);
    // Rescan up to the batch that contains or follows `offset`.
    let cut = this.written;
    let p = pos;
    while (p < this.written) {
      const head = await this.read(BATCH_HEADER_SIZE, p);
      if (head.length < BATCH_HEADER_SIZE) break;
      const base = readInt64(head, HeaderOffset.BASE_OFFSET);
      if (base + head.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA) >= offset) {
        cut = p;
        break;
      }
      p += head.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD;
    }
    await this.files.with(this.logPath, (fd) => ftruncate(fd, cut));
    await this.scan(0, indexIntervalBytes);
  }

  async delete(): Promise<void> {
    this.savedIndexes = undefined;
    await this.files.forget(this.logPath);
    await Promise.all([rm(this.logPath, { force: true }), rm(this.indexPath, { force: true }), rm(this.timeIndexPath, { force: true })]);
  }
}
