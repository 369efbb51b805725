/**
 * A full disk (ENOSPC, or a quota: EDQUOT) is not a broken disk. A write that failed for lack of
 * space is cut back (the partial bytes, the offsets it took, its index entries and producer
 * state), so that what is on disk and what the log believes are the same again; reads then go on
 * as before, appends are refused with KAFKA_STORAGE_ERROR (retriable: producers retry), and a
 * small write is tried every second until one succeeds, when the log takes appends again. Any
 * other write error leaves the log offline until restart.
 */
import type { Logger } from '../util/logger.js';

const RETRY_MS = 1000;

export function isFullDisk(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export interface FullDiskHost {
  readonly topic: string;
  readonly partition: number;
  logEnd(): number;
  /** Waits until no write is queued or running. */
  settle(): Promise<void>;
  /** Cuts the log back to end at `offset`. */
  truncateTo(offset: number): Promise<void>;
  /** A small durable write: succeeds once there is space again. */
  probeWrite(): Promise<void>;
  /** Clears the writer's failure (the log's reads work again) and returns it. */
  clearWriteFailure(): Error | undefined;
  /** Wakes whoever waits on the log (a retried batch waiting for offsets that were cut). */
  wake(): void;
}

export class FullDiskRecovery {
  /** Set while the disk is full and the log is cut back: appends are refused, reads are served. */
  refusal: Error | undefined;
  private repairing: Promise<void> | undefined;
  private cutFrom: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly host: FullDiskHost,
    private readonly log: Logger,
  ) {}

  /** The writer failed; a full disk is repaired here, anything else is left offline. */
  onWriteFailed(err: Error, cutFrom: number | undefined): void {
    if (!isFullDisk(err) || this.closed) return;
    if (cutFrom !== undefined) this.cutFrom = Math.min(cutFrom, this.cutFrom ?? cutFrom);
    this.repairing ??= this.repair().finally(() => (this.repairing = undefined));
  }

  private async repair(): Promise<void> {
    const h = this.host;
    try {
      await h.settle();
      const cut = this.cutFrom;
      this.cutFrom = undefined;
      if (cut !== undefined && cut < h.logEnd()) await h.truncateTo(cut);
    } catch (err) {
      this.log.error({ topic: h.topic, partition: h.partition, err: (err as Error).message }, 'cutting back a write that failed on a full disk failed; partition is offline until restart');
      return;
    }
    this.refusal = h.clearWriteFailure() ?? this.refusal;
    h.wake();
    this.log.warn({ topic: h.topic, partition: h.partition }, 'disk full: partition refuses writes and serves reads until space returns');
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.host.probeWrite().then(
        () => {
          if (this.repairing) return; // another failure is being cut back; it probes again itself
          this.refusal = undefined;
          this.log.info({ topic: this.host.topic, partition: this.host.partition }, 'disk has space again: partition takes writes');
        },
        () => this.scheduleProbe(),
      );
    }, RETRY_MS);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
