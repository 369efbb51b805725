/**
 * Record-batch validation (src/protocol/record-batch.ts, record-validation.ts, records.ts): the
 * header checks, the record-by-record walk Produce makes and the full record decoder. The first
 * byte's low bit asks for the batch's CRC to be made right first: the fuzzer cannot compute
 * checksums, and without it almost nothing gets past the CRC check.
 */
import { crc32c } from '../../src/protocol/crc32c.js';
import { BATCH_HEADER_SIZE, CRC_START, isIntactBatch, validateProducedBatch } from '../../src/protocol/record-batch.js';
import { checkRecords, lookInside } from '../../src/protocol/record-validation.js';
import { decodeRecords } from '../../src/protocol/records.js';
import { guard } from './expected.js';

const CRC_AT = 17;

/** The batch with its CRC recomputed over what it covers (the whole buffer when the length field says more). */
export function withRightCrc(batch: Buffer): Buffer {
  if (batch.length < BATCH_HEADER_SIZE) return batch;
  const fixed = Buffer.from(batch);
  fixed.writeUInt32BE(crc32c(fixed, CRC_START), CRC_AT);
  return fixed;
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const flags = data[0];
  const batch = flags & 1 ? withRightCrc(data.subarray(1)) : data.subarray(1);
  guard(() => {
    isIntactBatch(batch, 0);
    const info = validateProducedBatch(batch);
    const rules = { partition: 'fuzz-0', compacted: (flags & 2) !== 0, createTime: (flags & 4) !== 0, now: 1_700_000_000_000, beforeMaxMs: Infinity, afterMaxMs: Infinity };
    // Compressed records are decompressed first (asynchronously) in Produce; here uncompressed ones are walked.
    if ((info.attributes & 7) !== 0) return;
    if (lookInside(info, rules)) checkRecords(batch.subarray(BATCH_HEADER_SIZE, info.size), info, rules);
    decodeRecords(batch.subarray(BATCH_HEADER_SIZE, info.size), 0n, 0n, Math.min(info.recordCount, 10_000));
  });
}
