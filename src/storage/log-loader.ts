/**
 * Loading a file log at start-up (Kafka's LogLoader): the segment files, trusted after a clean
 * shutdown, otherwise scanned from the recovery point with the first damaged batch and everything
 * after it cut off; then the producer state and transaction index, from the snapshot a clean close
 * left plus the batch headers after it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { recoverCleanerLeftovers } from './clean-swap.js';
import { join } from 'node:path';
import { Segment } from './segment.js';
import type { FileCache } from './file-cache.js';
import type { Logger } from '../util/logger.js';
import type { ProducerStateTable, ProducerSnapshot } from '../producers/producer-state.js';
import type { PartitionTxns, PartitionTxnsSnapshot } from '../producers/partition-txns.js';
import { Attr, LOG_OVERHEAD, readInt64, HeaderOffset, BATCH_HEADER_SIZE } from '../protocol/record-batch.js';
import { producerFields, trackBatch } from './log-producers.js';
import { segmentFor } from './log-reader.js';

export interface LoadOptions {
  /** The broker shut down cleanly: segments and indexes are trusted. */
  clean: boolean;
  recoveryPoint: number;
  logStartOffset: number;
}

export interface LoadedSegments {
  segments: Segment[];
  nextOffset: number;
  recoveryPoint: number;
  logStartOffset: number;
}

/**
 * The segments of `dir`. With `clean` only the tail of the active one is read; otherwise every
 * segment from the one holding the recovery point is scanned, the first damaged batch and all
 * after it are cut off, and indexes are rebuilt.
 */
export async function loadSegments(dir: string, opts: LoadOptions, indexIntervalBytes: number, files: FileCache, log: Logger, where: { topic: string; partition: number }): Promise<LoadedSegments> {
  const segments: Segment[] = [];
  // The small reads of an opening (this listing, segment stats, the active segment's indexes, the
  // producer snapshot, the leader epochs, the topic id) are synchronous: from the page cache each
  // costs less main-thread time than one promise-based read (open, fstat, read, close).
  let names = readdirSync(dir);
  // Leftovers of an interrupted atomic write or compaction swap (clean-swap.ts).
  if (await recoverCleanerLeftovers(dir, names)) names = readdirSync(dir);
  const bases = names
    .filter((n) => /^\d{20}\.log$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
  if (bases.length === 0) bases.push(0);
  for (const base of bases) {
    try {
      segments.push(Segment.openTrusted(dir, base, files));
    } catch {
      // No file at all (a crash right after the directory was made): an empty one, as Kafka's LogLoader makes.
      const seg = new Segment(dir, base, files);
      await appendFile(seg.logPath, '');
      segments.push(seg);
    }
  }
  for (let i = 0; i < segments.length - 1; i++) segments[i].nextOffset = segments[i + 1].baseOffset;
  const active = (): Segment => segments[segments.length - 1];
  if (opts.clean) {
    // Only the active segment's end offset is unknown: read it from its last index entry on.
    await active().scanTail();
  } else {
    let from = segments.findIndex((s, i) => i === segments.length - 1 || segments[i + 1].baseOffset > opts.recoveryPoint);
    if (from < 0) from = 0;
    for (let i = from; i < segments.length; i++) {
      const seg = segments[i];
      const expected = i > 0 ? segments[i - 1].nextOffset : seg.baseOffset;
      const intact = await seg.scan(0, indexIntervalBytes, Math.max(seg.baseOffset, expected));
      if (!intact) {
        log.warn({ ...where, segment: seg.baseOffset, validBytes: seg.written }, 'truncated a damaged log tail');
        for (const later of segments.splice(i + 1)) await later.delete();
        break;
      }
    }
    for (let i = 0; i < segments.length - 1; i++) segments[i].sealed = true;
  }
  active().sealed = false;
  const nextOffset = Math.max(active().nextOffset, active().baseOffset);
  return {
    segments,
    nextOffset,
    recoveryPoint: opts.clean ? nextOffset : Math.min(opts.recoveryPoint, nextOffset),
    logStartOffset: Math.min(Math.max(opts.logStartOffset, segments[0].baseOffset), nextOffset),
  };
}

export function snapshotPath(dir: string): string {
  return join(dir, 'producer-state.snapshot');
}

/**
 * The snapshot left by a clean close covers the log up to its offset; batch headers after it are
 * replayed. A snapshot beyond the log end (the tail was cut in recovery) is ignored, and the
 * whole log is replayed instead. Snapshots are only written by a clean close, when every batch
 * they mention is durable, so they never vouch for a batch a crash lost.
 */
export async function rebuildProducerState(
  dir: string,
  segments: Segment[],
  range: { logStartOffset: number; nextOffset: number },
  producers: ProducerStateTable,
  txns: PartitionTxns,
): Promise<void> {
  let from = range.logStartOffset;
  const path = snapshotPath(dir);
  let stored: Buffer | undefined;
  let found = true;
  try {
    stored = readFileSync(path);
  } catch (e) {
    // Unreadable: replay from the start, and the file goes below like a used one.
    found = (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  if (found) {
    try {
      const snap = JSON.parse(stored?.toString('utf8') ?? '') as ProducerSnapshot & { txns?: PartitionTxnsSnapshot };
      if (snap.version === 1 && snap.offset <= range.nextOffset && snap.offset >= range.logStartOffset) {
        producers.load(snap);
        txns.load(snap.txns);
        from = snap.offset;
      }
    } catch {
      // not a snapshot: replay from the start
    }
    // Used once: a later crash must not find it vouching for a state the log has moved past.
    await rm(path, { force: true });
  }
  for (let i = segmentFor(segments, from); i < segments.length; i++) {
    const seg = segments[i];
    let pos = seg.baseOffset >= from ? 0 : await seg.positionFor(from);
    while (pos + BATCH_HEADER_SIZE <= seg.written) {
      const head = await seg.read(BATCH_HEADER_SIZE, pos);
      if (head.length < BATCH_HEADER_SIZE) break;
      const base = readInt64(head, HeaderOffset.BASE_OFFSET);
      const info = producerFields(head);
      const size = head.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD;
      if (base >= from && info.producerId >= 0n) {
        // A control batch's marker record is read whole; data batches need only their header.
        const batch = info.attributes & Attr.CONTROL ? await seg.read(size, pos) : head;
        trackBatch(producers, txns, batch, info, base, readInt64(head, HeaderOffset.MAX_TIMESTAMP));
      }
      pos += size;
    }
  }
}
