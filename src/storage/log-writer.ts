/**
 * The writer of a file log: a single loop that coalesces whatever appends have queued into one
 * writev, so that under load many produce requests share one system call (and one fsync when
 * fsync-on-ack is on), and that seals rolled segments once their last write has landed. It owns
 * the durability bookkeeping: the recovery point (below it everything is fsynced), the messages
 * since the last flush and the time of that flush.
 *
 * A failed write takes the log offline: the queued appends and every later one are refused with
 * KAFKA_STORAGE_ERROR. The host is told (writeFailed) with the offset the log must be cut back to:
 * after a full disk it cuts the partial write and takes appends again once space returns
 * (partition-log.ts); after any other error it stays offline until restart, whose recovery cuts
 * whatever the failure left.
 */
import type { Segment } from './segment.js';
import type { FileCache } from './file-cache.js';
import type { LogConfig } from './log-config.js';
import type { Logger } from '../util/logger.js';
import { writevAll, writevAllSync, fsync } from './fs-ops.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError } from './log.js';

interface PendingWrite {
  seg: Segment;
  buf: Buffer;
  position: number;
  lastOffset: number;
  records: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Write groups up to this size are written synchronously (see drain). */
const SYNC_WRITE_MAX = 256 * 1024;

export interface WriterHost {
  readonly topic: string;
  readonly partition: number;
  config(): LogConfig;
  /** Everything below `offset` is in the file: the high watermark may move. */
  written(offset: number): void;
  /** A write that must be durable before any batch queued after it (the leader-epoch-checkpoint). */
  barrier?(): Promise<void> | undefined;
  /** A write failed; `cutFrom` is the base offset of the first batch that did not land (undefined: none was lost, a seal failed). */
  writeFailed?(err: Error, cutFrom: number | undefined): void;
}

export class LogWriter {
  private pending: PendingWrite[] = [];
  private writing = false;
  private sealQueue: Segment[] = [];
  private messagesSinceFlush = 0;
  /** Set when a write failed: the log is offline. */
  failed: Error | undefined;
  /** Offset below which every batch has been fsynced. */
  recoveryPoint = 0;
  lastFlushMs = Date.now();
  /** Told how long each fsync of this log took (the broker's metrics). */
  onFsync?: (seconds: number) => void;

  constructor(
    private readonly host: WriterHost,
    private readonly files: FileCache,
    private readonly log: Logger,
  ) {}

  /** Whether writes or seals are still queued. */
  get busy(): boolean {
    return this.writing || this.pending.length > 0;
  }

  /** Queues `buf` for `position` of `seg`; resolves once it is in the file (and fsynced, with fsync-on-ack). */
  write(seg: Segment, buf: Buffer, position: number, lastOffset: number, records: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ seg, buf, position, lastOffset, records, resolve, reject });
      this.kick();
    });
  }

  /** Seals `old` (fsync, indexes) once every write queued for it has landed. */
  seal(old: Segment): void {
    this.sealQueue.push(old);
    this.kick();
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 || this.sealQueue.length > 0) {
        if (this.pending.length > 0) {
          const seg = this.pending[0].seg;
          let n = 0;
          let bytes = 0;
          while (n < this.pending.length && this.pending[n].seg === seg && n < 1024 && bytes < 16 * 1024 * 1024) bytes += this.pending[n++].buf.length;
          const group = this.pending.splice(0, n);
          try {
            const barrier = this.host.barrier?.();
            if (barrier) await barrier;
            await this.files.with(seg.logPath, async (fd) => {
              // Small groups are written inline: a page-cache write of a few KiB is cheaper than a
              // threadpool round trip. Large ones go through the threadpool so the loop never stalls.
              if (bytes <= SYNC_WRITE_MAX) writevAllSync(fd, group.map((g) => g.buf), group[0].position);
              else await writevAll(fd, group.map((g) => g.buf), group[0].position);
              seg.written = group[group.length - 1].position + group[group.length - 1].buf.length;
              seg.lastModified = Date.now();
              let records = 0;
              for (const g of group) records += g.records;
              this.messagesSinceFlush += records;
              const cfg = this.host.config();
              if (cfg.fsyncOnAck || this.messagesSinceFlush >= cfg.flushIntervalMessages) {
                const t = performance.now();
                await fsync(fd);
                this.onFsync?.((performance.now() - t) / 1000);
                this.markFlushed(group[group.length - 1].lastOffset + 1);
              }
            });
          } catch (err) {
            this.fail(err as Error, group);
            return;
          }
          this.host.written(group[group.length - 1].lastOffset + 1);
          for (const g of group) g.resolve();
        }
        // Seal rolled segments whose writes have all landed.
        while (this.sealQueue.length > 0 && !this.pending.some((p) => p.seg === this.sealQueue[0])) {
          const old = this.sealQueue.shift()!;
          try {
            await old.seal();
            this.markFlushed(old.nextOffset);
          } catch (err) {
            // Sealed again on the next write, once the log takes writes again.
            this.sealQueue.unshift(old);
            this.fail(err as Error, []);
            return;
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  markFlushed(offset: number): void {
    if (offset > this.recoveryPoint) this.recoveryPoint = offset;
    this.messagesSinceFlush = 0;
    this.lastFlushMs = Date.now();
  }

  private fail(err: Error, group: PendingWrite[]): void {
    this.failed = err;
    this.log.error({ topic: this.host.topic, partition: this.host.partition, err: err.message }, 'log write failed; partition refuses writes');
    const e = new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `write failed: ${err.message}`);
    const lost = [...group, ...this.pending];
    for (const g of lost) g.reject(e);
    this.pending = [];
    // Every queued buffer starts with a record batch header: its first 8 bytes are the base offset.
    this.host.writeFailed?.(err, lost.length > 0 ? Number(lost[0].buf.readBigInt64BE(0)) : undefined);
  }

  /** fsyncs `seg` (the active segment) if anything below `target` is not yet durable. */
  async flush(seg: Segment, target: number): Promise<void> {
    if (target <= this.recoveryPoint && this.messagesSinceFlush === 0) return;
    const t = performance.now();
    await this.files.with(seg.logPath, (fd) => fsync(fd));
    this.onFsync?.((performance.now() - t) / 1000);
    this.markFlushed(target);
  }

  /** Resolves when nothing is queued for writing. */
  async settle(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 1));
  }
}
