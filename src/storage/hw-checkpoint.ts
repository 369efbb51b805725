/**
 * The high watermarks of the replicas in one log dir (Kafka's replication-offset-checkpoint,
 * written by the replica manager and read when a partition's log is opened), in Kafka's offset
 * checkpoint format (checkpoint.ts): version 0, the entry count, then "topic partition offset".
 *
 * Writes replace the file atomically and are queued per file, so that a periodic checkpoint and
 * one at shutdown never interleave. Reading is lenient: a missing or damaged file, or a damaged
 * line, only loses high watermarks, and a replica without one starts from 0 and learns the
 * leader's, which is safe; a high watermark too high would not be.
 */
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, key } from './checkpoint.js';

export const HW_CHECKPOINT = 'replication-offset-checkpoint';

export interface HighWatermark {
  topic: string;
  partition: number;
  offset: number;
}

/** High watermarks by partition: look one up with highWatermarkOf. */
export type HighWatermarks = ReadonlyMap<string, number>;

export function highWatermarkOf(hws: HighWatermarks, topic: string, partition: number): number | undefined {
  return hws.get(key(topic, partition));
}

/** The checkpointed high watermarks of `logDir`; none when the file is missing or unreadable. */
export async function readHighWatermarks(logDir: string): Promise<HighWatermarks> {
  const read = await readCheckpoint(join(logDir, HW_CHECKPOINT));
  for (const [k, offset] of read) if (offset < 0) read.delete(k);
  return read;
}

const queued = new Map<string, Promise<void>>();

/** Replaces `logDir`'s checkpoint with `entries` (one per partition; a later one for the same partition wins). */
export function writeHighWatermarks(logDir: string, entries: Iterable<HighWatermark>): Promise<void> {
  const out = new Map<string, number>();
  const sorted = [...entries].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  for (const e of sorted) {
    // A name with whitespace would make the file unreadable; Kafka's topic names never have any.
    if (!/^\S+$/.test(e.topic) || !Number.isSafeInteger(e.partition) || e.partition < 0 || !Number.isSafeInteger(e.offset) || e.offset < 0)
      return Promise.reject(new Error(`invalid high watermark entry ${JSON.stringify(e)}`));
    out.set(key(e.topic, e.partition), e.offset);
  }
  const path = join(logDir, HW_CHECKPOINT);
  const write = (queued.get(path) ?? Promise.resolve()).catch(() => undefined).then(() => writeCheckpoint(path, out));
  queued.set(path, write);
  const forget = () => {
    if (queued.get(path) === write) queued.delete(path);
  };
  write.then(forget, forget);
  return write;
}
