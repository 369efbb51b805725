/**
 * Produce's input checks on a partition's records, in the order src/handlers/00-produce.ts
 * (placePartition) makes them for an uncompressed batch: one batch exactly, max.message.bytes,
 * the header (validateProducedBatch), the record walk where lookInside wants it, and the CreateTime
 * max timestamp written back into the header. The topic's settings come from the first byte.
 *
 * Stricter than the other targets: Produce answers an error with the Kafka code classifyError
 * gives it, so any exception that is not a refusal with its own code (a RangeError included,
 * which would be UNKNOWN_SERVER_ERROR) is a finding, and so is a batch accepted with a max
 * timestamp that is not its records' largest.
 */
import { classifyError } from '../../src/partitions/partition-errors.js';
import { Attr, BATCH_HEADER_SIZE, BatchError, batchSizeAt, isIntactBatch, readBatchHeader, setCreateTimeMax, validateProducedBatch } from '../../src/protocol/record-batch.js';
import { checkRecords, lookInside, type RecordRules } from '../../src/protocol/record-validation.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { InvariantBroken } from './expected.js';
import { withRightCrc } from './batch.js';

const NOW = 1_700_000_000_000;

function place(records: Buffer, maxMessageBytes: number, rules: RecordRules): void {
  // As placePartition, line for line where it is synchronous.
  if (records.length === 0) throw new BatchError(ErrorCode.INVALID_RECORD, 'produce requests must carry one record batch');
  const first = batchSizeAt(records);
  if (first >= BATCH_HEADER_SIZE && first < records.length) throw new BatchError(ErrorCode.INVALID_RECORD, 'produce requests v3+ must carry exactly one record batch per partition');
  if (records.length > maxMessageBytes) throw new BatchError(ErrorCode.MESSAGE_TOO_LARGE, 'too large');
  let info = validateProducedBatch(records);
  if ((info.attributes & Attr.COMPRESSION_MASK) !== 0) return; // decompressed asynchronously by Produce
  if (!lookInside(info, rules)) throw new InvariantBroken('an uncompressed batch must always be walked');
  const checked = checkRecords(records.subarray(BATCH_HEADER_SIZE), info, rules);
  if (rules.createTime && setCreateTimeMax(records, BigInt(checked.maxTimestamp))) info = readBatchHeader(records);
  if (rules.createTime && info.maxTimestamp !== BigInt(checked.maxTimestamp)) throw new InvariantBroken(`max timestamp ${info.maxTimestamp} kept, records say ${checked.maxTimestamp}`);
  if (!isIntactBatch(records, 0)) throw new InvariantBroken('an accepted batch is not intact after the timestamp rewrite');
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const flags = data[0];
  const records = flags & 1 ? withRightCrc(data.subarray(1)) : Buffer.from(data.subarray(1));
  const rules: RecordRules = {
    partition: 'fuzz-0',
    compacted: (flags & 2) !== 0,
    createTime: (flags & 4) === 0,
    now: NOW,
    beforeMaxMs: flags & 8 ? 3_600_000 : Infinity,
    afterMaxMs: flags & 16 ? 3_600_000 : Infinity,
  };
  const maxMessageBytes = flags & 32 ? 256 : 1_048_588;
  try {
    place(records, maxMessageBytes, rules);
  } catch (err) {
    if (err instanceof InvariantBroken) throw err;
    if (classifyError(err).kind !== 'refused') throw err;
  }
}
