/**
 * Looking inside a stored batch, where a feature needs it: its records, decompressed; rewriting a
 * batch with another codec (topic compression.type). Never on the plain produce or fetch path.
 */
import { decompress, compress } from './compression.js';
import { decodeRecords, buildBatch, type DecodedRecord } from './records.js';
import { Attr, BATCH_HEADER_SIZE, readBatchHeader } from './record-batch.js';

export async function batchRecords(batch: Buffer): Promise<DecodedRecord[]> {
  const h = readBatchHeader(batch);
  const section = await decompress(h.attributes & Attr.COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE, h.size));
  return decodeRecords(section, h.baseOffset, h.baseTimestamp, h.recordCount);
}

/** The same batch (header fields kept) with its records section compressed by `codec`. */
export async function recompressBatch(batch: Buffer, codec: number): Promise<Buffer> {
  const h = readBatchHeader(batch);
  const section = await decompress(h.attributes & Attr.COMPRESSION_MASK, batch.subarray(BATCH_HEADER_SIZE, h.size));
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
