/**
 * Building and reading the records inside a v2 batch. The broker's hot paths never use this:
 * it is for the command-line tools, tests, and the few features that must look inside a batch
 * (timestamp lookups, compaction).
 */
import { Reader } from './primitives/reader.js';
import { DecodeError } from './primitives/errors.js';
import { Writer, varintSize, varlongSize } from './primitives/writer.js';
import { crc32c } from './crc32c.js';
import { BATCH_HEADER_SIZE, CRC_START, LOG_OVERHEAD, Attr } from './record-batch.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Milliseconds; defaults to the batch's base timestamp. */
  timestamp?: number;
  /** Position in the batch's offset range; defaults to the record's index (a compacted batch has gaps). */
  offsetDelta?: number;
}

export interface BatchOptions {
  baseOffset?: bigint;
  baseTimestamp?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  partitionLeaderEpoch?: number;
  /** Already-compressed record bytes are not produced here; attributes' codec bits stay 0. */
  attributes?: number;
  /** Defaults to count - 1; larger for a compacted batch whose records have gaps. */
  lastOffsetDelta?: number;
}

function recordBodySize(r: Record, baseTs: number, offsetDelta: number): number {
  const keyLen = r.key ? r.key.length : -1;
  const valLen = r.value ? r.value.length : -1;
  let s = 1 + varlongSize(BigInt((r.timestamp ?? baseTs) - baseTs)) + varintSize(offsetDelta);
  s += varintSize(keyLen) + Math.max(keyLen, 0) + varintSize(valLen) + Math.max(valLen, 0);
  const headers = r.headers ?? [];
  s += varintSize(headers.length);
  for (const h of headers) {
    const k = Buffer.byteLength(h.key);
    const vl = h.value ? h.value.length : -1;
    s += varintSize(k) + k + varintSize(vl) + Math.max(vl, 0);
  }
  return s;
}

/** Encodes records as the uncompressed records section of a batch. */
export function encodeRecords(records: Record[], baseTs: number): Buffer {
  const sizes = records.map((r, i) => recordBodySize(r, baseTs, r.offsetDelta ?? i));
  const total = sizes.reduce((a, s) => a + varintSize(s) + s, 0);
  const w = Writer.alloc(total);
  records.forEach((r, i) => {
    w.varint(sizes[i]);
    w.int8(0);
    w.varlong(BigInt((r.timestamp ?? baseTs) - baseTs));
    w.varint(r.offsetDelta ?? i);
    if (r.key) {
      w.varint(r.key.length);
      w.raw(r.key);
    } else w.varint(-1);
    if (r.value) {
      w.varint(r.value.length);
      w.raw(r.value);
    } else w.varint(-1);
    const headers = r.headers ?? [];
    w.varint(headers.length);
    for (const h of headers) {
      const k = Buffer.from(h.key);
      w.varint(k.length);
      w.raw(k);
      if (h.value) {
        w.varint(h.value.length);
        w.raw(h.value);
      } else w.varint(-1);
    }
  });
  return w.buf;
}

/** A whole v2 batch around an already encoded (and possibly compressed) records section. */
export function buildBatch(recordsSection: Buffer, count: number, opts: BatchOptions & { maxTimestamp: number; baseTimestamp: number }): Buffer {
  const size = BATCH_HEADER_SIZE + recordsSection.length;
  const w = Writer.alloc(size);
  let attrs = opts.attributes ?? 0;
  if (opts.transactional) attrs |= Attr.TRANSACTIONAL;
  if (opts.control) attrs |= Attr.CONTROL;
  w.int64(opts.baseOffset ?? 0n);
  w.int32(size - LOG_OVERHEAD);
  w.int32(opts.partitionLeaderEpoch ?? -1);
  w.int8(2);
  w.uint32(0); // CRC, filled below
  w.int16(attrs);
  w.int32(opts.lastOffsetDelta ?? count - 1);
  w.int64(BigInt(opts.baseTimestamp));
  w.int64(BigInt(opts.maxTimestamp));
  w.int64(opts.producerId ?? -1n);
  w.int16(opts.producerEpoch ?? -1);
  w.int32(opts.baseSequence ?? -1);
  w.int32(count);
  w.raw(recordsSection);
  w.buf.writeUInt32BE(crc32c(w.buf, CRC_START), 17);
  return w.buf;
}

/** An uncompressed batch of `records`. */
export function createBatch(records: Record[], opts: BatchOptions = {}): Buffer {
  const baseTs = opts.baseTimestamp ?? records[0]?.timestamp ?? Date.now();
  const maxTs = records.reduce((m, r) => Math.max(m, r.timestamp ?? baseTs), baseTs);
  return buildBatch(encodeRecords(records, baseTs), records.length, { ...opts, baseTimestamp: baseTs, maxTimestamp: maxTs });
}

export interface DecodedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Reads the records of an uncompressed records section (views into `section`); DecodeError on damage. */
export function decodeRecords(section: Buffer, baseOffset: bigint, baseTimestamp: bigint, count: number): DecodedRecord[] {
  const r = new Reader(section);
  const out: DecodedRecord[] = [];
  const take = (n: number): Buffer => {
    if (n < 0 || r.pos + n > section.length) throw new DecodeError('record field runs past the batch');
    return section.subarray(r.pos, (r.pos += n));
  };
  for (let i = 0; i < count; i++) {
    const len = r.varint();
    const end = r.pos + len;
    r.int8();
    const tsDelta = r.varlong();
    const offDelta = r.varint();
    const kl = r.varint();
    const key = kl < 0 ? null : take(kl);
    const vl = r.varint();
    const value = vl < 0 ? null : take(vl);
    const hc = r.varint();
    const headers: RecordHeader[] = [];
    for (let h = 0; h < hc; h++) {
      const hkl = r.varint();
      const hk = take(hkl).toString('utf8');
      const hvl = r.varint();
      headers.push({ key: hk, value: hvl < 0 ? null : take(hvl) });
    }
    if (end > section.length || end < r.pos) throw new DecodeError('record length does not match its fields');
    r.pos = end;
    out.push({ offset: baseOffset + BigInt(offDelta), timestamp: baseTimestamp + tsDelta, key, value, headers });
  }
  return out;
}
