/**
 * The reading side of compaction (cleaner.ts): the work paced so the event loop gets a turn every
 * few milliseconds, and a pass's key → latest offset map built over the dirty section until the
 * bounded OffsetMap is full, from the batches the log's CleanTarget streams (clean-target.ts).
 */
import { performance } from 'node:perf_hooks';
import type { CleanSegment, CleanTarget } from './clean-target.js';
import type { OffsetMap } from './offset-map.js';
import { recordSpans } from './record-spans.js';
import { Attr, BATCH_HEADER_SIZE, LOG_OVERHEAD, readInt64, HeaderOffset } from '../protocol/record-batch.js';
import { decompress } from '../protocol/compression.js';

export class Aborted extends Error {}

/** Gives the event loop a turn whenever sliceMs of work has gone by. */
export class Pacer {
  private last = performance.now();
  constructor(
    private readonly sliceMs: number,
    private readonly stop?: () => boolean,
  ) {}

  get due(): boolean {
    return performance.now() - this.last >= this.sliceMs;
  }

  async pause(): Promise<void> {
    if (this.stop?.()) throw new Aborted();
    if (!this.due) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

export interface Ctx {
  log: CleanTarget;
  map: OffsetMap;
  pacer: Pacer;
  chunk: number;
  now: number;
  /** Earliest expiry of a tombstone kept by the current pass. */
  tombstoneDue: number;
}

/** Whether a data batch belongs to a transaction that was aborted. */
export function isAborted(log: CleanTarget, batch: Buffer, attrs: number, base: number): boolean {
  if (!(attrs & Attr.TRANSACTIONAL)) return false;
  const pid = batch.readBigInt64BE(HeaderOffset.PRODUCER_ID);
  return log.txns.abortedIn(base, base + 1).some((a) => a.producerId === pid && a.firstOffset <= base);
}

/**
 * Maps the keys of [start, end) until the map is full; returns the end of what was mapped (the
 * offset after the last one recorded), `end` when everything fitted.
 */
export async function buildMap(ctx: Ctx, segs: CleanSegment[], start: number, end: number): Promise<number> {
  const { map, pacer, log } = ctx;
  map.clear();
  for (const seg of segs) {
    if (seg.nextOffset <= start) continue;
    if (seg.baseOffset >= end) break;
    for await (const { batch } of log.batches(seg, Math.max(start, seg.baseOffset), ctx.chunk)) {
      await pacer.pause();
      const base = readInt64(batch, HeaderOffset.BASE_OFFSET);
      if (base >= end) return end;
      const last = base + batch.readInt32BE(HeaderOffset.LAST_OFFSET_DELTA);
      if (last < start) continue;
      const attrs = batch.readInt16BE(HeaderOffset.ATTRIBUTES);
      if (!(attrs & Attr.CONTROL) && !isAborted(log, batch, attrs, base)) {
        const size = batch.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD;
        const section = await decompress(attrs & Attr.COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE, size));
        let n = 0;
        for (const r of recordSpans(section, batch.readInt32BE(HeaderOffset.RECORDS_COUNT))) {
          if ((++n & 1023) === 0 && pacer.due) await pacer.pause();
          const offset = base + r.offsetDelta;
          if (r.key === null || offset < start) continue;
          if (!map.put(r.key, offset)) return Math.max(map.latestOffset + 1, start + 1);
        }
      }
      if (last > map.latestOffset) map.latestOffset = last;
    }
  }
  return end;
}
