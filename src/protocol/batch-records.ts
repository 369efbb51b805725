/**
 * Looking inside a batch, where a feature needs it: its records, decompressed (per-record checks of
 * a produced batch, see record-validation.ts; timestamp lookups; compaction); rewriting a batch with
 * another codec (topic compression.type). Never on the fetch path.
 */
import { decompress, compress } from './compression.js';
import { decodeRecords, buildBatch, type DecodedRecord } from './records.js';
import { Attr, BATCH_HEADER_SIZE, BatchError, readBatchHeader, HeaderOffset } from './record-batch.js';
import { ErrorCode } from './errors.js';

export async function batchRecords(batch: Buffer): Promise<DecodedRecord[]> {
  const h = readBatchHeader(batch);
  const section = await decompress(h.attributes & Attr.COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE, h.size));
  return decodeRecords(section, h.baseOffset, h.baseTimestamp, h.recordCount);
}

/**
 * The uncompressed records section of a produced batch (a view when it is not compressed). A payload
 * that does not decompress is CORRUPT_MESSAGE.
 */
export async function producedRecords(batch: Buffer): Promise<Buffer> {
  const codec = batch.readInt16BE(HeaderOffset.ATTRIBUTES) & Attr.COMPRESSION_MASK;
  const payload = batch.subarray(BATCH_HEADER_SIZE);
  if (codec === 0) return payload;
  try {
    return await decompress(codec, payload);
  } catch (err) {
    throw new BatchError(ErrorCode.CORRUPT_MESSAGE, `the records do not decompress (codec ${codec}): ${(err as Error).message}`);
  }
}

/**
 * The same batch (header fields kept) with its records section compressed by `codec`; `section`
 * is its uncompressed records when the caller already has them.
 */
export async function recompressBatch(batch: Buffer, codec: number, section?: Buffer): Promise<Buffer> {
  const h = readBatchHeader(batch);
  section ??= await decompress(h.attributes & Attr.COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE, h.size));
  const packed = await compress(codec, section);
  return buildBatch(packed, h.recordCount, {
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    attributes: (h.attributes & ~Attr.COMPRESSION_MASK) | codec,
    baseTimestamp: Number(h.baseTimestamp),
    maxTimestamp: Number(h.maxTimestamp),
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
  });
}
