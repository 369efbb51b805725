/**
 * Record-by-record checks of a produced batch, as Kafka's LogValidator makes them for magic v2:
 * the structure of every record (its fields fill its length, the records fill the batch, exactly
 * recordCount of them), a key on every record of a compacted topic, every CreateTime timestamp
 * within message.timestamp.before/after.max.ms, no LogAppendTime flag from a producer, and the
 * batch's max timestamp as the largest record timestamp (what Kafka stores, whatever the header
 * said). Failed records are reported by index (ProduceResponse record_errors) and fail the batch.
 *
 * The walk reads the varint fields of each record and skips over key, value and header bytes; it
 * allocates nothing per record. Whether a batch needs it at all is lookInside()'s decision: the
 * compressed ones are only decompressed where the header cannot answer.
 */
import { ErrorCode } from './errors.js';
import { Attr, BatchError, type BatchInfo } from './record-batch.js';

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** A batch refused because of some of its records; `recordErrors` names them (Produce v8+). */
export class RecordValidationError extends BatchError {
  constructor(errorCode: number, message: string, readonly recordErrors: RecordError[]) {
    super(errorCode, message);
  }
}

export interface RecordRules {
  /** `topic-partition`, as Kafka names it in messages. */
  partition: string;
  /** cleanup.policy has compact: every record needs a key. */
  compacted: boolean;
  /** message.timestamp.type is CreateTime: record timestamps are bounded and set the max timestamp. */
  createTime: boolean;
  now: number;
  /** message.timestamp.before.max.ms / after.max.ms; Infinity when unbounded (Long.MAX_VALUE). */
  beforeMaxMs: number;
  afterMaxMs: number;
}

/**
 * Whether the records of this batch must be read, and why it is needed (the rest are appended on
 * their header alone):
 * - uncompressed: always. The walk is cheap next to the append, and it is the only way to know the
 *   max timestamp (Kafka recomputes it; clients such as sarama 1.22 write -1) and that the records
 *   are well formed, which Kafka checks on every batch.
 * - a compacted topic: always, compressed or not, as Kafka does: each record's key is checked.
 * - a producer batch flagged LogAppendTime: Kafka refuses it or rewrites its timestamp type.
 * - compressed, CreateTime: only where the header cannot be right or cannot decide, i.e. a max
 *   timestamp below the base timestamp (-1 from a client that leaves it unset), a max timestamp past
 *   now + message.timestamp.after.max.ms (some record is out of bounds; the index of each is
 *   wanted), or a finite message.timestamp.before.max.ms (the header has no minimum: a record may
 *   be older than the base timestamp). Otherwise a header max timestamp that is wrong yet not below
 *   the base is kept as sent, and the records are not checked for structure (Kafka decompresses
 *   every batch).
 * - compressed on a LogAppendTime topic: never (the broker's clock replaces every timestamp).
 */
export function lookInside(info: BatchInfo, rules: RecordRules): boolean {
  if ((info.attributes & Attr.COMPRESSION_MASK) === 0 || rules.compacted || info.attributes & Attr.TIMESTAMP_LOG_APPEND) return true;
  if (!rules.createTime) return false;
  if (info.maxTimestamp < info.baseTimestamp || Number.isFinite(rules.beforeMaxMs)) return true;
  return Number(info.maxTimestamp) > rules.now + rules.afterMaxMs;
}

// ---------------------------------------------------------------- the walk

/** Cursor of the walk (module state: no closure or object per batch). */
let at = 0;

const structure = (detail = 'Found invalid record structure'): BatchError => new BatchError(ErrorCode.INVALID_RECORD, detail);

function byte(buf: Buffer, end: number): number {
  if (at >= end) throw structure();
  return buf[at++];
}

function varint(buf: Buffer, end: number): number {
  let u = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    const b = byte(buf, end);
    u += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (u > 0xffffffff) throw structure('Found invalid record structure: varint overflows 32 bits');
      return (u >>> 1) ^ -(u & 1);
    }
    mul *= 128;
  }
  throw structure('Found invalid record structure: varint longer than 5 bytes');
}

/** A zigzag varlong as a number: exact up to 2^53, which any real timestamp delta is. */
function varlong(buf: Buffer, end: number): number {
  let b = byte(buf, end);
  if ((b & 0x80) === 0) return (b >>> 1) ^ -(b & 1);
  const negative = b & 1;
  let u = b & 0x7f;
  let mul = 128;
  for (let i = 1; i < 10; i++) {
    b = byte(buf, end);
    u += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return negative ? -(u + 1) / 2 : u / 2;
    mul *= 128;
  }
  throw structure('Found invalid record structure: varlong longer than 10 bytes');
}

function skip(n: number, end: number): void {
  if (n > end - at) throw structure();
  if (n > 0) at += n;
}

export interface CheckedRecords {
  /** The largest record timestamp, -1 when no record has one: the batch's max timestamp (CreateTime). */
  maxTimestamp: number;
}

/**
 * Walks the uncompressed records `section` of the batch described by `info`. Throws BatchError
 * (INVALID_RECORD) for a malformed record, RecordValidationError for records that break a rule.
 */
export function checkRecords(section: Buffer, info: BatchInfo, rules: RecordRules): CheckedRecords {
  const end = section.length;
  const count = info.recordCount;
  const logAppendTime = (info.attributes & Attr.TIMESTAMP_LOG_APPEND) !== 0;
  const headerMax = Number(info.maxTimestamp);
  const base = Number(info.baseTimestamp);
  const minTs = rules.now - rules.beforeMaxMs;
  const maxTs = rules.now + rules.afterMaxMs;
  let max = -1;
  let errors: Array<RecordError & { code: number }> | undefined;
  at = 0;
  for (let i = 0; i < count; i++) {
    if (at >= end) throw structure('Incorrect declared batch size, premature EOF reached');
    const len = varint(section, end);
    if (len < 0 || len > end - at)
      throw structure(`Invalid record size: expected ${len} bytes in record payload, but instead the buffer has only ${end - at} remaining bytes.`);
    const start = at;
    const recEnd = at + len;
    byte(section, recEnd); // attributes: none defined for records
    const tsDelta = varlong(section, recEnd);
    const offsetDelta = varint(section, recEnd);
    const keyLen = varint(section, recEnd);
    skip(keyLen, recEnd);
    const valueLen = varint(section, recEnd);
    skip(valueLen, recEnd);
    const headers = varint(section, recEnd);
    if (headers < 0) throw structure(`Found invalid number of record headers ${headers}`);
    if (headers > recEnd - at) throw structure(`Found invalid number of record headers. ${headers} is larger than the remaining size of the buffer`);
    for (let h = 0; h < headers; h++) {
      const hk = varint(section, recEnd);
      if (hk < 0) throw structure(`Invalid negative header key size ${hk}`);
      skip(hk, recEnd);
      skip(varint(section, recEnd), recEnd);
    }
    if (at !== recEnd) throw structure(`Invalid record size: expected to read ${len} bytes in record payload, but instead read ${at - start}`);

    const ts = logAppendTime ? headerMax : base + tsDelta;
    if (ts > max) max = ts;
    let error: (RecordError & { code: number }) | undefined;
    if (rules.compacted && keyLen < 0) {
      error = { code: ErrorCode.INVALID_RECORD, batchIndex: i, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${rules.partition}` };
    } else if (rules.createTime && ts !== -1) {
      if (ts < minTs || ts > maxTs) {
        const offset = Number(info.baseOffset) + offsetDelta;
        error = { code: ErrorCode.INVALID_TIMESTAMP, batchIndex: i, batchIndexErrorMessage: `Timestamp ${ts} of message with offset ${offset} is out of range. The timestamp should be within [${boundsText(rules)}]` };
      }
    } else if (logAppendTime) {
      const record = `DefaultRecord(offset=${Number(info.baseOffset) + offsetDelta}, timestamp=${ts}, key=${Math.max(keyLen, 0)} bytes, value=${Math.max(valueLen, 0)} bytes)`;
      error = { code: ErrorCode.INVALID_TIMESTAMP, batchIndex: i, batchIndexErrorMessage: `Invalid timestamp type in message ${record}. Producer should not set timestamp type to LogAppendTime.` };
    }
    if (error) (errors ??= []).push(error);
  }
  if (at < end) throw structure('Incorrect declared batch size, records still remaining in file');
  if (errors) throw refusal(errors);
  return { maxTimestamp: max };
}

const LONG_MAX = 2n ** 63n - 1n;

/** Kafka's [now - before, now + after] in Java long arithmetic (an unbounded after wraps negative there). */
function boundsText(rules: RecordRules): string {
  const long = (ms: number): bigint => (Number.isFinite(ms) ? BigInt(ms) : LONG_MAX);
  const now = BigInt(rules.now);
  return `${BigInt.asIntN(64, now - long(rules.beforeMaxMs))}, ${BigInt.asIntN(64, now + long(rules.afterMaxMs))}`;
}

/** The batch's error as Kafka words it: INVALID_TIMESTAMP if any record has one, else INVALID_RECORD. */
function refusal(errors: Array<RecordError & { code: number }>): RecordValidationError {
  const recordErrors = errors.map(({ batchIndex, batchIndexErrorMessage }) => ({ batchIndex, batchIndexErrorMessage }));
  if (errors.some((e) => e.code === ErrorCode.INVALID_TIMESTAMP))
    return new RecordValidationError(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', recordErrors);
  const shown = recordErrors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  return new RecordValidationError(
    ErrorCode.INVALID_RECORD,
    `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    recordErrors,
  );
}
