/**
 * Reading records for the message browser, the live tail and time lag, through partition handles
 * (the same reads Fetch makes): a position is found with the offset or time index
 * (offsetForTimestamp), then whole batches are read from there, so a partition of any size is
 * never scanned. A filter reads on only within a byte budget and says where it stopped.
 */
import { batchRecords } from '../protocol/batch-records.js';
import { Attr, batchSizeAt, readBatchHeader } from '../protocol/record-batch.js';

/**
 * A partition as the console reads it: this broker's partition handle, or a partition another
 * broker leads read from it over the wire (remote.ts RemotePartition).
 */
export interface RecordSource {
  readonly partition: number;
  readonly logStartOffset: number;
  readonly highWatermark: number;
  read(offset: number, maxBytes: number, opts: { minOneBatch: boolean; isolation: 'read_uncommitted' }): Promise<{ records: Buffer }>;
  offsetForTimestamp(ts: number): Promise<{ offset: number } | undefined>;
}

/** A record as the console's API returns it: bytes as base64 (the page shows text, JSON or hex). */
export interface ConsoleRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
  /** Bytes of key or value cut off at MAX_FIELD_BYTES. */
  truncated?: boolean;
}

/** Larger keys and values are cut to this many bytes: the page shows records, not files. */
export const MAX_FIELD_BYTES = 64 * 1024;
const READ_BYTES = 1024 * 1024;

function field(b: Buffer | null): { text: string | null; cut: boolean } {
  if (!b) return { text: null, cut: false };
  return { text: b.subarray(0, MAX_FIELD_BYTES).toString('base64'), cut: b.length > MAX_FIELD_BYTES };
}

export type RecordFilter = (r: ConsoleRecord) => boolean;

/** A case-insensitive text filter over key, value and headers, decoded as UTF-8. */
export function textFilter(query: string): RecordFilter | undefined {
  const q = query.trim().toLowerCase();
  if (!q) return undefined;
  const has = (s: string | null): boolean => s !== null && Buffer.from(s, 'base64').toString('utf8').toLowerCase().includes(q);
  return (r) => has(r.key) || has(r.value) || r.headers.some((h) => h.key.toLowerCase().includes(q) || has(h.value));
}

export interface ReadResult {
  records: ConsoleRecord[];
  /** The offset to read from next (forwards). */
  next: number;
  /** Bytes were left unread because of the scan budget (with a filter). */
  budgetSpent: boolean;
}

/**
 * Up to `max` records of the partition from `start` on (data records only: transaction markers are
 * skipped), reading at most `budget` bytes of batches.
 */
export async function readForward(p: RecordSource, start: number, max: number, filter?: RecordFilter, budget = 16 * READ_BYTES, end = p.highWatermark): Promise<ReadResult> {
  const records: ConsoleRecord[] = [];
  let offset = Math.max(start, p.logStartOffset);
  let spent = 0;
  while (records.length < max && offset < end) {
    if (spent >= budget) return { records, next: offset, budgetSpent: true };
    const read = await p.read(offset, READ_BYTES, { minOneBatch: true, isolation: 'read_uncommitted' });
    const buf = read.records;
    if (buf.length === 0) break;
    spent += buf.length;
    let pos = 0;
    let advanced = false;
    while (pos < buf.length && records.length < max) {
      const size = batchSizeAt(buf, pos);
      if (size < 0 || pos + size > buf.length) break;
      const h = readBatchHeader(buf, pos);
      const last = Number(h.baseOffset) + h.lastOffsetDelta;
      if (last >= offset && (h.attributes & Attr.CONTROL) === 0) {
        const appendTime = (h.attributes & Attr.TIMESTAMP_LOG_APPEND) !== 0 ? Number(h.maxTimestamp) : undefined;
        for (const r of await batchRecords(buf.subarray(pos, pos + size))) {
          const o = Number(r.offset);
          if (o < offset || o >= end) continue;
          const k = field(r.key);
          const v = field(r.value);
          const rec: ConsoleRecord = {
            partition: p.partition,
            offset: o,
            timestamp: appendTime ?? Number(r.timestamp),
            key: k.text,
            value: v.text,
            headers: r.headers.map((x) => ({ key: x.key, value: x.value ? x.value.toString('base64') : null })),
          };
          if (k.cut || v.cut) rec.truncated = true;
          offset = o + 1;
          if (!filter || filter(rec)) records.push(rec);
          if (records.length >= max) break;
        }
      }
      if (records.length < max || last < offset) offset = Math.max(offset, last + 1);
      advanced = true;
      pos += size;
    }
    if (!advanced) break;
  }
  return { records, next: Math.min(offset, end), budgetSpent: false };
}

/**
 * Up to `max` records before `endExclusive` (newest last): reads forward from a window below it,
 * widening the window while a filter leaves it short, within the budget.
 */
export async function readBackward(p: RecordSource, endExclusive: number, max: number, filter?: RecordFilter, budget = 16 * READ_BYTES): Promise<{ records: ConsoleRecord[]; first: number }> {
  const end = Math.min(endExclusive, p.highWatermark);
  let window = max;
  let from = end;
  let found: ConsoleRecord[] = [];
  while (from > p.logStartOffset) {
    const lo = Math.max(p.logStartOffset, from - window);
    const got = await readForward(p, lo, Number.MAX_SAFE_INTEGER, filter, budget, from);
    found = [...got.records, ...found];
    from = lo;
    if (found.length >= max || !filter || got.budgetSpent) break;
    window *= 4;
  }
  const records = found.slice(-max);
  return { records, first: records[0]?.offset ?? from };
}

/** Where reading starts for a position kind; `undefined` offset means the log end. */
export async function startOffset(p: RecordSource, from: string, value: number | undefined, max: number): Promise<number> {
  switch (from) {
    case 'beginning':
      return p.logStartOffset;
    case 'end':
      return Math.max(p.logStartOffset, p.highWatermark - max);
    case 'offset':
      return Math.min(Math.max(value ?? 0, p.logStartOffset), p.highWatermark);
    case 'timestamp': {
      const found = await p.offsetForTimestamp(value ?? 0);
      return found ? found.offset : p.highWatermark;
    }
    default:
      throw new RangeError(`unknown position '${from}'`);
  }
}

/** The timestamp of the record at `offset` (the next one a consumer reads), or undefined at the log end. */
export async function timestampAt(p: RecordSource, offset: number): Promise<number | undefined> {
  if (offset >= p.highWatermark) return undefined;
  const got = await readForward(p, offset, 1, undefined, READ_BYTES);
  return got.records[0]?.timestamp;
}

/**
 * Records per bucket between `from` and `to` (ms): the first offset at each bucket start from the
 * time index, differences of those. A bucket holds the records whose offsets lie between its first
 * timestamp match and the next one's, as ListOffsets by timestamp would position a consumer.
 */
export async function volumeTimeline(parts: RecordSource[], from: number, to: number, buckets: number): Promise<Array<{ t: number; records: number }>> {
  const step = Math.max(1, Math.ceil((to - from) / buckets));
  const out = Array.from({ length: buckets }, (_, i) => ({ t: from + i * step, records: 0 }));
  for (const p of parts) {
    let prev: number | undefined;
    for (let i = 0; i <= buckets; i++) {
      const at = i === buckets ? undefined : await p.offsetForTimestamp(from + i * step);
      const offset = at ? at.offset : p.highWatermark;
      if (prev !== undefined) out[i - 1].records += offset - prev;
      prev = offset;
    }
  }
  return out;
}
