/**
 * Reads of a file log: whole stored batches from the one containing an offset, found through the
 * segments' sparse offset indexes and returned as slices of what was read from the file, without
 * decoding them.
 */
import type { Segment } from './segment.js';
import { LOG_OVERHEAD, readInt64, HeaderOffset, BATCH_HEADER_SIZE } from '../protocol/record-batch.js';

/** Bytes read past maxBytes so that the end of the last batch wanted is usually in the same read. */
const SCAN_SLACK = 16 * 1024;

/** Index of the segment holding `offset` (the last whose base offset is <= it; 0 when none). */
export function segmentFor(segments: Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid].baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Batches from the segments starting at the one holding `offset`, up to `maxBytes` (a first batch
 * whole when `minOne`), none at or past `upTo`. Segments used are pushed to `used` (the caller
 * retries if compaction retired one meanwhile). Empty when nothing is there yet.
 */
export async function readSegments(segments: Segment[], offset: number, maxBytes: number, minOne: boolean, upTo: number, used: Segment[]): Promise<Buffer> {
  for (let i = segmentFor(segments, offset); i < segments.length; i++) {
    const seg = segments[i];
    if (seg.baseOffset >= upTo) break;
    used.push(seg);
    const found = await readSegment(seg, offset, maxBytes, minOne, upTo, i === segments.length - 1);
    if (found) return found;
  }
  return Buffer.alloc(0);
}

/** `active`: the segment being written, whose tail is read without the threadpool (Segment.readRecent). */
async function readSegment(seg: Segment, offset: number, maxBytes: number, minOne: boolean, upTo: number, active: boolean): Promise<Buffer | undefined> {
  let pos = await seg.positionFor(offset);
  const limit = seg.written;
  while (pos < limit) {
    const want = Math.min(limit - pos, Math.max(maxBytes, 0) + SCAN_SLACK);
    const buf = await (active ? seg.readRecent(want, pos) : seg.read(want, pos));
    let p = 0;
    let start = -1;
    let end = -1;
    while (p + BATCH_HEADER_SIZE <= buf.length) {
      const size = buf.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD;
      const base = readInt64(buf, p);
      if (base >= upTo) break;
      const last = base + buf.readInt32BE(p + HeaderOffset.LAST_OFFSET_DELTA);
      if (last < offset) {
        p += size;
        continue;
      }
      if (start < 0) start = p;
      const endIfTaken = p + size;
      const first = start === p;
      if (endIfTaken - start > maxBytes && !(first && minOne)) break;
      if (endIfTaken > buf.length) {
        // The batch is cut by the read: a first batch is read alone, whole; otherwise stop here.
        if (first) return seg.read(size, pos + p);
        break;
      }
      p = end = endIfTaken;
      if (end - start >= maxBytes) break;
    }
    if (start >= 0) return end > start ? buf.subarray(start, end) : Buffer.alloc(0);
    if (p === 0) return undefined;
    pos += p;
    if (buf.length < want) break;
  }
  return undefined;
}
