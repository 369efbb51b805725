/**
 * Log compaction (cleanup.policy=compact), after Kafka's LogCleaner: closed segments are rewritten
 * keeping, for every key, only its latest record; tombstones (null values) are dropped once their
 * batch is older than delete.retention.ms. Offsets never change: a batch that loses records keeps
 * its base offset and offset range (consumers see gaps, which they tolerate), one that loses all
 * is dropped.
 *
 * A run looks at the cleanable part of the log: the sealed segments below the active one and
 * below the first offset of an open transaction (what an open transaction wrote may still be
 * aborted, and must neither shadow nor be shadowed yet). Its dirty section starts where the
 * previous run of this log ended (the whole cleanable part after a start). A pass:
 *
 *   1. maps key → latest offset over the dirty section into a bounded OffsetMap (offset-map.ts,
 *      log.cleaner.dedupe.buffer.size); when the map is full the pass covers what fits;
 *   2. rewrites every segment below the end of what was mapped, streaming batch by batch: a record
 *      is kept unless the map holds a later offset for its key or it is an expired tombstone.
 *
 * Passes repeat until the dirty section is covered. Memory is the map plus a read chunk and a
 * write buffer (about 1 MiB each), whatever the segment size; the work gives way to the event loop
 * every few milliseconds, so appends and fetches of any partition are not held up. The cleaner
 * sees a log through its CleanTarget (clean-target.ts), so file and memory logs are cleaned by this
 * same code: a file rewrite goes to `<base>.log.cleaned` and replaces the segment crash-safely
 * (clean-file.ts, clean-swap.ts); a memory segment gets a new batch list (clean-memory.ts).
 * This module plans the passes; clean-scan.ts maps keys, clean-rewrite.ts filters batches.
 *
 * Transactions: control batches are kept as they are; the batches of aborted transactions are
 * neither mapped nor kept (Kafka removes them too). Batches without keys are kept.
 * Deviations from Kafka: no merging of small segments, no dirty-ratio or compaction-lag
 * scheduling (every run with new dirty data cleans; a run with none still passes over the log
 * when a kept tombstone has since expired), no delete-horizon attribute (tombstone age is the
 * batch's max timestamp), transaction markers are never removed, a batch emptied by cleaning is
 * dropped even when it was its producer's last (Kafka keeps it, empty, for producer state).
 */
import type { Log } from './log.js';
import type { Logger } from '../util/logger.js';
import type { BrokerConfig } from '../config/config.js';
import type { CleanSegment, CleanTarget } from './clean-target.js';
import { OffsetMap } from './offset-map.js';
import { Aborted, Pacer, buildMap, type Ctx } from './clean-scan.js';
import { cleanSegment } from './clean-rewrite.js';

export interface CleanResult {
  /** Segments rewritten. */
  segments: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Map-and-rewrite passes this run took (more than one when the dirty keys did not fit the map). */
  passes: number;
  /** Set when stop() ended the run early: what was swapped in stays, the rest waits for the next run. */
  aborted?: boolean;
}

export interface CleanOptions {
  /** The map to use; else a shared one of dedupeBufferSize bytes and loadFactor. */
  map?: OffsetMap;
  /** log.cleaner.dedupe.buffer.size (Kafka's default 128 MiB). */
  dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor (0.9). */
  loadFactor?: number;
  /** Asked between batches; true ends the run (broker shutdown). */
  stop?: () => boolean;
  /** Longest stretch of work between two turns of the event loop. */
  sliceMs?: number;
  /** Bytes read from a segment at a time. */
  chunkBytes?: number;
}

export const DEFAULT_DEDUPE_BUFFER_SIZE = 128 * 1024 * 1024;
const DEFAULT_CHUNK = 1024 * 1024;

/** Where the previous run of a log ended, checked against the log before it is believed. */
interface LogCleanState {
  cleanedTo: number;
  /** The segment holding cleanedTo - 1: if it is gone or changed, the log was cut and all is dirty. */
  tail: CleanSegment | undefined;
  tailNext: number;
  /** Earliest time a tombstone kept by the last pass expires. */
  tombstoneDue: number;
}

const states = new WeakMap<CleanTarget, LogCleanState>();

function previousRun(log: CleanTarget): LogCleanState | undefined {
  const s = states.get(log);
  if (!s) return undefined;
  if (s.tail && (!log.closedSegments().includes(s.tail) || s.tail.nextOffset !== s.tailNext)) return undefined;
  return s;
}

let shared: OffsetMap | undefined;
let sharedBusy = false;

/** Compacts a log of either kind (file or memory), through the view of it the cleaner works on. */
export async function compactLog(target: Log, now = Date.now(), opts: CleanOptions = {}): Promise<CleanResult> {
  const log = target.cleanable();
  const result: CleanResult = { segments: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0, passes: 0 };
  if (!log.config().cleanupPolicy.includes('compact')) return result;
  const upper = Math.min(log.activeBaseOffset, log.txns.firstUnstableOffset() ?? Infinity);
  const cleanable = (): CleanSegment[] => {
    const out: CleanSegment[] = [];
    for (const s of log.closedSegments()) {
      if (s.nextOffset > upper) break;
      out.push(s);
    }
    return out;
  };
  const first = cleanable();
  if (first.length === 0) return result;
  const end = first[first.length - 1].nextOffset;
  const prev = previousRun(log);
  let start = Math.max(prev?.cleanedTo ?? 0, first[0].baseOffset);
  if (start >= end && !(prev && prev.tombstoneDue <= now)) return result;

  let map = opts.map;
  let ownsShared = false;
  if (!map) {
    const size = opts.dedupeBufferSize ?? DEFAULT_DEDUPE_BUFFER_SIZE;
    const lf = opts.loadFactor ?? 0.9;
    if (sharedBusy) map = new OffsetMap(size, lf);
    else {
      if (!shared || shared.maxBytes !== size || shared.loadFactor !== lf) shared = new OffsetMap(size, lf);
      map = shared;
      sharedBusy = ownsShared = true;
    }
  }
  const ctx: Ctx = { log, map, pacer: new Pacer(opts.sliceMs ?? 4, opts.stop), chunk: opts.chunkBytes ?? DEFAULT_CHUNK, now, tombstoneDue: Infinity };
  try {
    do {
      const mapEnd = start < end ? await buildMap(ctx, cleanable(), start, end) : (map.clear(), end);
      ctx.tombstoneDue = Infinity;
      for (const seg of cleanable()) {
        if (seg.baseOffset >= mapEnd) break;
        const r = await cleanSegment(ctx, seg);
        if (!r) continue;
        result.segments++;
        result.recordsRemoved += r.removed;
        result.bytesBefore += r.before;
        result.bytesAfter += r.after;
      }
      result.passes++;
      start = mapEnd;
    } while (start < end);
    const segs = cleanable();
    const tail = segs.filter((s) => s.baseOffset < end).at(-1);
    states.set(log, { cleanedTo: end, tail, tailNext: tail?.nextOffset ?? 0, tombstoneDue: ctx.tombstoneDue });
  } catch (err) {
    if (!(err instanceof Aborted)) throw err;
    result.aborted = true;
  } finally {
    map.clear();
    if (ownsShared) sharedBusy = false;
  }
  return result;
}

/**
 * One compaction run over a broker's logs (the file and the memory store alike): each log with
 * cleanup.policy=compact in turn, failures logged per log; a stop ends the run.
 */
export async function compactionPass(logs: Log[], now: number, opts: CleanOptions, logger: Logger): Promise<void> {
  for (const p of logs) {
    if (!p.config().cleanupPolicy.includes('compact')) continue;
    try {
      const c = await compactLog(p, now, opts);
      if (c.segments > 0)
        logger.info({ topic: p.topic, partition: p.partition, segments: c.segments, passes: c.passes, recordsRemoved: c.recordsRemoved, bytesBefore: c.bytesBefore, bytesAfter: c.bytesAfter }, 'compacted segments');
      if (c.aborted) break;
    } catch (err) {
      logger.error({ topic: p.topic, partition: p.partition, err: (err as Error).message }, 'compaction failed');
    }
  }
}

/**
 * Runs `run` after log.cleaner.backoff.ms, again after each run ends, until `stopped`; re-armed
 * each time so that a dynamic change of the backoff applies from the next pause. Returns a cancel.
 */
export function repeatAfterBackoff(backoffMs: () => number, run: () => Promise<void>, stopped: () => boolean): () => void {
  let timer: NodeJS.Timeout | undefined;
  const later = (): void => {
    timer = setTimeout(() => {
      timer = undefined;
      void run().finally(() => {
        if (!stopped()) later();
      });
    }, Math.max(100, Math.min(backoffMs(), 2 ** 31 - 1))).unref();
  };
  later();
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}

/** The broker's cleaner settings for a pass; `stop` is asked between batches (shutdown). */
export function cleanerOptions(config: BrokerConfig, stop: () => boolean): CleanOptions {
  return {
    dedupeBufferSize: config.num('log.cleaner.dedupe.buffer.size'),
    loadFactor: Number(config.get('log.cleaner.io.buffer.load.factor')),
    stop,
  };
}
