/**
 * The aborted transactions a read_committed Fetch names for the batches it returns.
 *
 * Kafka lists every aborted transaction overlapping the fetched range, in the order the aborts
 * were written, each with the offset where the transaction began. The Java client and librdkafka
 * sort that list themselves; kafkajs 2.2.4 does not (filterAbortedMessages.js): it walks the list
 * in the given order and starts ignoring at most one producer per record, so with transactions of
 * several producers interleaved it hands out records of aborted transactions (compat/FINDINGS.md).
 *
 * So Runnel names each aborted transaction at the first of its batches (data or marker) that the
 * response carries, sorted by that offset, and leaves out those with no batch in the response.
 * For any client this says the same thing as Kafka's list: a producer's batches before that offset
 * in the response do not belong to the aborted transaction, and the ones from it on do, up to its
 * abort marker.
 */
import { LOG_OVERHEAD, readInt64 } from '../protocol/record-batch.js';
import type { AbortedTxn } from '../producers/partition-txns.js';

export interface AbortedTxnEntry {
  producerId: bigint;
  firstOffset: bigint;
}

export function abortedTxnsFor(candidates: readonly AbortedTxn[], records: Buffer): AbortedTxnEntry[] {
  if (candidates.length === 0 || records.length === 0) return [];
  const byProducer = new Map<bigint, AbortedTxn[]>();
  for (const a of [...candidates].sort((x, y) => x.firstOffset - y.firstOffset)) {
    const list = byProducer.get(a.producerId);
    if (list) list.push(a);
    else byProducer.set(a.producerId, [a]);
  }
  const out: AbortedTxnEntry[] = [];
  for (let p = 0; p + 61 <= records.length; p += records.readInt32BE(p + 8) + LOG_OVERHEAD) {
    const list = byProducer.get(records.readBigInt64BE(p + 43));
    if (!list) continue;
    const base = readInt64(records, p);
    // Transactions of this producer that ended before this batch had nothing in the response.
    while (list.length > 0 && list[0].lastOffset < base) list.shift();
    if (list.length > 0 && base >= list[0].firstOffset) out.push({ producerId: list.shift()!.producerId, firstOffset: BigInt(base) });
  }
  return out; // in batch order, so sorted by first offset
}
