/**
 * What the cleaner (cleaner.ts) needs of a log, so that one cleaner compacts every kind of log:
 * its closed segments, their batches in order, and a way to replace a segment's batches with the
 * ones the cleaner keeps. The file log provides it over segment files (clean-file.ts), the
 * in-memory log over its batch lists (clean-memory.ts). Offsets never change: a rewrite keeps a
 * segment's base offset and offset range.
 */
import type { LogConfig } from './log-config.js';
import type { PartitionTxns } from '../producers/partition-txns.js';

export interface CleanSegment {
  readonly baseOffset: number;
  readonly nextOffset: number;
}

/** The rewrite of one segment, fed every batch of the segment in order. */
export interface SegmentRewrite {
  /** The batch read at `pos`, and what the cleaner keeps of it: the same buffer, a rebuilt one, or null. */
  put(read: Buffer, pos: number, kept: Buffer | null): Promise<void>;
  /** Puts the rewrite in the segment's place when anything changed: bytes before and after, else undefined. */
  commit(): Promise<{ before: number; after: number } | undefined>;
  /** Drops an unfinished rewrite (the segment stays as it was). */
  abort(): Promise<void>;
}

/** How a rewrite reads and gives way: the cleaner's read chunk and its pacing between steps. */
export interface RewriteIO {
  chunkBytes: number;
  pause(): Promise<void>;
}

export interface CleanTarget {
  config(): LogConfig;
  readonly txns: PartitionTxns;
  /** Where appends go: the cleaner stays below it. */
  readonly activeBaseOffset: number;
  /** The segments no longer appended to, oldest first (a fresh array). */
  closedSegments(): CleanSegment[];
  /** Every batch of `seg` from the one holding offset `from`, with its position; throws if the segment went away. */
  batches(seg: CleanSegment, from: number, chunkBytes: number): AsyncIterable<{ batch: Buffer; pos: number }>;
  rewrite(seg: CleanSegment, io: RewriteIO): SegmentRewrite;
}
