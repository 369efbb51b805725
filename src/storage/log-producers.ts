/**
 * Producer state and the transaction index as the batches of a log move them, shared by the file
 * log (appends and start-up replay) and the in-memory log, so that both give idempotent producers
 * and transactions the same semantics.
 */
import { decodeRecords, createBatch } from '../protocol/records.js';
import { Attr, LOG_OVERHEAD, readBatchHeader, type BatchInfo, HeaderOffset, BATCH_HEADER_SIZE } from '../protocol/record-batch.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ProducerStateTable } from '../producers/producer-state.js';
import { markerRecord, type PartitionTxns } from '../producers/partition-txns.js';
import { StorageError, type AppendResult } from './log.js';

/** The header fields that move producer state, as BatchInfo has them. */
export interface ProducerFields {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  attributes: number;
}

/** The producer fields of the batch header at buf[pos..] (at least 61 bytes). */
export function producerFields(buf: Buffer, pos = 0): ProducerFields {
  return {
    producerId: buf.readBigInt64BE(pos + HeaderOffset.PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + HeaderOffset.PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + HeaderOffset.BASE_SEQUENCE),
    lastOffsetDelta: buf.readInt32BE(pos + HeaderOffset.LAST_OFFSET_DELTA),
    attributes: buf.readInt16BE(pos + HeaderOffset.ATTRIBUTES),
  };
}

/** Whether a leader append must pass the sequence check (an idempotent data batch). */
/**
 * Whether an append is sequence-checked. A batch with a producer id but no sequence (-1) is a
 * coordinator's own transactional write (offsets committed in a transaction, into
 * __consumer_offsets), never a client's (validateProducedBatch refuses those): as Kafka's
 * AppendOrigin.COORDINATOR, it is not checked.
 */
export function isIdempotent(info: ProducerFields): boolean {
  return info.producerId >= 0n && (info.attributes & Attr.CONTROL) === 0 && info.baseSequence >= 0;
}

/**
 * The sequence check of a leader append: undefined to append, a StorageError to refuse, or the
 * offsets of the earlier append of a retried batch.
 */
export function checkSequence(producers: ProducerStateTable, info: ProducerFields): StorageError | { firstOffset: number; lastOffset: number } | undefined {
  if (!isIdempotent(info)) return undefined;
  const seq = producers.check(info);
  if (seq.kind === 'error') return new StorageError(seq.errorCode, seq.message);
  if (seq.kind === 'duplicate') return { firstOffset: seq.batch.firstOffset, lastOffset: seq.batch.lastOffset };
  return undefined;
}

/**
 * Records a batch now in the log at `baseOffset` in the producer table and the transaction index.
 * `batch` must hold the whole batch for a control batch (its marker record is read), else its
 * header is enough.
 */
export function trackBatch(producers: ProducerStateTable, txns: PartitionTxns, batch: Buffer, info: ProducerFields, baseOffset: number, maxTimestamp: number): void {
  if (info.producerId < 0n) return;
  if (info.attributes & Attr.CONTROL) {
    const marker = parseMarker(batch);
    if (marker !== undefined) txns.end(info.producerId, marker.commit, baseOffset);
    producers.recordMarker(info.producerId, info.producerEpoch, maxTimestamp, marker?.coordinatorEpoch);
  } else {
    producers.record(info, baseOffset, maxTimestamp);
    if (info.attributes & Attr.TRANSACTIONAL) txns.begin(info.producerId, baseOffset);
  }
}

/**
 * A commit or abort marker batch for `producerId`, after the checks Kafka makes
 * (producer-state.ts checkMarker); throws StorageError when refused.
 */
export function markerBatch(producers: ProducerStateTable, producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, transactionVersion: number): { batch: Buffer; info: BatchInfo } {
  const refused = producers.checkMarker({ producerId, producerEpoch, coordinatorEpoch, strictEpoch: transactionVersion >= 2 });
  if (refused) throw new StorageError(refused.errorCode, refused.message);
  const { key, value } = markerRecord(commit, coordinatorEpoch);
  const batch = createBatch([{ key, value }], { producerId, producerEpoch, baseSequence: -1, transactional: true, control: true });
  return { batch, info: readBatchHeader(batch) };
}

/** Appends a commit or abort marker to `log` (refused as markerBatch refuses: the promise rejects). */
export function appendMarker(log: { append(buf: Buffer, info: BatchInfo): Promise<AppendResult> }, producers: ProducerStateTable, producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, transactionVersion: number): Promise<AppendResult> {
  try {
    const { batch, info } = markerBatch(producers, producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion);
    return log.append(batch, info);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A retried batch: answered with the offsets it got the first time, once those may be read. */
export async function duplicateResult(
  log: { highWatermark: number; logStartOffset: number; onAppend(fn: () => void): () => void },
  offline: () => Error | undefined,
  firstOffset: number,
  lastOffset: number,
): Promise<AppendResult> {
  while (log.highWatermark <= lastOffset) {
    const failed = offline();
    if (failed) throw new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `log is offline: ${failed.message}`);
    await new Promise<void>((resolve) => log.onAppend(resolve));
  }
  return { baseOffset: firstOffset, lastOffset, logAppendTime: -1, logStartOffset: log.logStartOffset };
}

/** The marker type of a control batch: true for commit, false for abort, undefined if unreadable. */
export function parseMarker(batch: Buffer): { commit: boolean; coordinatorEpoch: number } | undefined {
  try {
    const [r] = decodeRecords(batch.subarray(BATCH_HEADER_SIZE, batch.readInt32BE(HeaderOffset.LENGTH) + LOG_OVERHEAD), 0n, 0n, 1);
    if (!r?.key || r.key.length < 4) return undefined;
    const coordinatorEpoch = r.value && r.value.length >= 6 ? r.value.readInt32BE(2) : -1;
    return { commit: r.key.readInt16BE(2) === 1, coordinatorEpoch };
  } catch {
    return undefined;
  }
}
