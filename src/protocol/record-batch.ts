/**
 * Kafka record batches (magic v2) as bytes: the fixed 61-byte header is read and patched in place;
 * the records after it are never decoded on the produce and fetch paths.
 */
import { crc32c } from './crc32c.js';
import { ErrorCode } from './errors.js';

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
export const CRC_START = 21;

/**
 * The v2 batch header (Kafka's DefaultRecordBatch), one line per part, as byte offsets inlined by tsc:
 * framing (int64, int32, int32, int8, and the uint32 CRC-32C of bytes 21..end); attributes (int16),
 * last offset delta (int32) and the two int64 timestamps; producer id (int64), epoch (int16) and
 * base sequence (int32); the record count (int32), then the records.
 */
export const enum HeaderOffset {
  BASE_OFFSET = 0, LENGTH = 8, PARTITION_LEADER_EPOCH = 12, MAGIC = 16, CRC = 17,
  ATTRIBUTES = 21, LAST_OFFSET_DELTA = 23, BASE_TIMESTAMP = 27, MAX_TIMESTAMP = 35,
  PRODUCER_ID = 43, PRODUCER_EPOCH = 51, BASE_SEQUENCE = 53,
  RECORDS_COUNT = 57,
}

export const enum Attr {
  COMPRESSION_MASK = 0x07,
  TIMESTAMP_LOG_APPEND = 0x08,
  TRANSACTIONAL = 0x10,
  CONTROL = 0x20,
  DELETE_HORIZON = 0x40,
}

/** The codec ids of attributes bits 0-2 (the codecs are in compression.ts). */
export const enum Compression { NONE = 0, GZIP = 1, SNAPPY = 2, LZ4 = 3, ZSTD = 4 }

export interface BatchInfo {
  baseOffset: bigint;
  /** Whole batch size in bytes, LOG_OVERHEAD included. */
  size: number;
  partitionLeaderEpoch: number;
  magic: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export class BatchError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

/** An int64 offset or timestamp as a JS number (exact below 2^53), without going through BigInt. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

/** The size of the batch starting at `pos` from its length field, or -1 when fewer than 12 bytes remain. */
export function batchSizeAt(buf: Buffer, pos = 0): number {
  if (buf.length - pos < LOG_OVERHEAD) return -1;
  return buf.readInt32BE(pos + HeaderOffset.LENGTH) + LOG_OVERHEAD;
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchInfo {
  return {
    baseOffset: buf.readBigInt64BE(pos),
    size: buf.readInt32BE(pos + HeaderOffset.LENGTH) + LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + HeaderOffset.PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + HeaderOffset.MAGIC),
    attributes: buf.readInt16BE(pos + HeaderOffset.ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + HeaderOffset.LAST_OFFSET_DELTA),
    baseTimestamp: buf.readBigInt64BE(pos + HeaderOffset.BASE_TIMESTAMP),
    maxTimestamp: buf.readBigInt64BE(pos + HeaderOffset.MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(pos + HeaderOffset.PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + HeaderOffset.PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + HeaderOffset.BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + HeaderOffset.RECORDS_COUNT),
  };
}

/** Checks framing and checksum of the batch at buf[pos..]: true when it is a whole, intact v2 batch. */
export function isIntactBatch(buf: Buffer, pos: number, end = buf.length): boolean {
  if (end - pos < BATCH_HEADER_SIZE) return false;
  const size = buf.readInt32BE(pos + HeaderOffset.LENGTH) + LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE || pos + size > end) return false;
  if (buf[pos + HeaderOffset.MAGIC] !== 2) return false;
  return crc32c(buf, pos + CRC_START, pos + size) === buf.readUInt32BE(pos + HeaderOffset.CRC);
}

/**
 * Validates one batch a producer sent, as Kafka's LogValidator does for magic v2, without decoding
 * its records. Throws BatchError with the Kafka error code to return.
 */
export function validateProducedBatch(buf: Buffer): BatchInfo {
  if (buf.length < BATCH_HEADER_SIZE)
    throw new BatchError(ErrorCode.CORRUPT_MESSAGE, `record batch of ${buf.length} bytes is shorter than its header`);
  const magic = buf.readInt8(HeaderOffset.MAGIC);
  if (magic < 2) throw new BatchError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `message format v${magic} is not supported; use v2`);
  if (magic > 2) throw new BatchError(ErrorCode.CORRUPT_MESSAGE, `unknown message format v${magic}`);
  const size = buf.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD;
  if (size !== buf.length)
    throw new BatchError(size < buf.length ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE, `batch length field says ${size} bytes, ${buf.length} were sent`);
  if (crc32c(buf, CRC_START) !== buf.readUInt32BE(HeaderOffset.CRC)) throw new BatchError(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC does not match');
  const info = readBatchHeader(buf);
  if ((info.attributes & Attr.COMPRESSION_MASK) > Compression.ZSTD)
    throw new BatchError(ErrorCode.CORRUPT_MESSAGE, `unknown compression codec ${info.attributes & Attr.COMPRESSION_MASK}`);
  if (info.recordCount <= 0) throw new BatchError(ErrorCode.INVALID_RECORD, `invalid record count ${info.recordCount}`);
  if (info.lastOffsetDelta < 0 || info.lastOffsetDelta + 1 !== info.recordCount)
    throw new BatchError(ErrorCode.INVALID_RECORD, `inconsistent batch offset range (last offset delta ${info.lastOffsetDelta}) and record count ${info.recordCount}`);
  if (info.attributes & Attr.CONTROL) throw new BatchError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
  if (info.producerId >= 0n && info.baseSequence < 0)
    throw new BatchError(ErrorCode.INVALID_RECORD, `Invalid sequence number ${info.baseSequence} in record batch with producerId ${info.producerId}`);
  if (info.attributes & Attr.TRANSACTIONAL && info.producerId < 0n)
    throw new BatchError(ErrorCode.INVALID_RECORD, 'a transactional batch must carry a producer id');
  return info;
}

/** Stamps the offset and leader epoch the log assigns; neither is covered by the CRC. */
export function patchBatch(buf: Buffer, baseOffset: bigint, leaderEpoch: number, pos = 0): void {
  buf.writeBigInt64BE(baseOffset, pos);
  buf.writeInt32BE(leaderEpoch, pos + HeaderOffset.PARTITION_LEADER_EPOCH);
}

/** Recomputes the CRC of the batch at buf[pos..] after a change to the bytes it covers. */
function restampCrc(buf: Buffer, pos: number): void {
  const size = buf.readInt32BE(pos + HeaderOffset.LENGTH) + LOG_OVERHEAD;
  buf.writeUInt32BE(crc32c(buf, pos + CRC_START, pos + size), pos + HeaderOffset.CRC);
}

/** LogAppendTime: the broker's clock becomes the batch's max timestamp; the CRC is recomputed. */
export function setLogAppendTime(buf: Buffer, now: bigint, pos = 0): void {
  const attrs = buf.readInt16BE(pos + HeaderOffset.ATTRIBUTES);
  buf.writeInt16BE(attrs | Attr.TIMESTAMP_LOG_APPEND, pos + HeaderOffset.ATTRIBUTES);
  buf.writeBigInt64BE(now, pos + HeaderOffset.MAX_TIMESTAMP);
  restampCrc(buf, pos);
}

/**
 * CreateTime: the max timestamp computed from the records replaces the header's, and a
 * LogAppendTime flag a producer set is cleared, as Kafka stores the batch; the CRC is recomputed
 * only when a byte changed. Returns whether it did.
 */
export function setCreateTimeMax(buf: Buffer, maxTimestamp: bigint, pos = 0): boolean {
  const attrs = buf.readInt16BE(pos + HeaderOffset.ATTRIBUTES);
  if ((attrs & Attr.TIMESTAMP_LOG_APPEND) === 0 && buf.readBigInt64BE(pos + HeaderOffset.MAX_TIMESTAMP) === maxTimestamp) return false;
  buf.writeInt16BE(attrs & ~Attr.TIMESTAMP_LOG_APPEND, pos + HeaderOffset.ATTRIBUTES);
  buf.writeBigInt64BE(maxTimestamp, pos + HeaderOffset.MAX_TIMESTAMP);
  restampCrc(buf, pos);
  return true;
}
