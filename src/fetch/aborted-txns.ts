/**
 * The aborted transactions a read_committed Fetch names for the batches it returns, and where the
 * returned batches end.
 *
 * Kafka lists every aborted transaction overlapping the fetched range, in the order the aborts
 * were written, each with the offset where the transaction began. The Java client and librdkafka
 * sort that list themselves and handle any number of transactions; two clients need more:
 *
 * - kafkajs 2.2.4 (filterAbortedMessages.js) walks the list in the given order and starts ignoring
 *   at most one producer per record, so with transactions of several producers interleaved it
 *   hands out records of aborted transactions. Runnel names each aborted transaction at the first
 *   of its batches (data or marker) that the response carries, sorted by that offset, and leaves
 *   out those with no batch in the response. For any client this says the same as Kafka's list:
 *   a producer's batches before that offset are not in the aborted transaction, the ones from it
 *   on are, up to its abort marker.
 * - @platformatic/kafka 1.35 (#filterUncommittedMessages) keeps one aborted range per producer,
 *   from its entry to that producer's abort marker in the same response, and ignores a range whose
 *   marker is not there. So the response ends before a producer's second aborted transaction, and
 *   before an aborted transaction whose abort marker it would not reach (unless that transaction
 *   starts the response: at least one batch is always returned). The client fetches the rest next.
 *
 * compat/FINDINGS.md has the exchanges.
 */
import { LOG_OVERHEAD, readInt64, HeaderOffset, BATCH_HEADER_SIZE } from '../protocol/record-batch.js';
import type { AbortedTxn } from '../producers/partition-txns.js';

export interface AbortedTxnEntry {
  producerId: bigint;
  firstOffset: bigint;
}

export interface CommittedView {
  aborted: AbortedTxnEntry[];
  /** The returned batches: the read ones, possibly cut short at a batch boundary. */
  records: Buffer;
}

/** `candidates` (a fresh list, e.g. PartitionTxns.abortedIn's) is sorted in place. */
export function readCommittedView(candidates: AbortedTxn[], records: Buffer): CommittedView {
  if (candidates.length === 0 || records.length === 0) return { aborted: [], records };
  const byProducer = new Map<bigint, AbortedTxn[]>();
  for (const a of candidates.sort((x, y) => x.firstOffset - y.firstOffset)) {
    const list = byProducer.get(a.producerId);
    if (list) list.push(a);
    else byProducer.set(a.producerId, [a]);
  }
  let lastReturned: number | undefined; // read from the records only when a transaction needs it
  const named = new Set<bigint>();
  const aborted: AbortedTxnEntry[] = [];
  for (let p = 0; p + BATCH_HEADER_SIZE <= records.length; p += records.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD) {
    const producerId = records.readBigInt64BE(p + HeaderOffset.PRODUCER_ID);
    const list = byProducer.get(producerId);
    if (!list) continue;
    const base = readInt64(records, p);
    // Transactions of this producer that ended before this batch had nothing in the response.
    while (list.length > 0 && list[0].lastOffset < base) list.shift();
    if (list.length === 0 || base < list[0].firstOffset) continue;
    const txn = list.shift()!;
    if (p > 0 && (named.has(producerId) || txn.lastOffset > (lastReturned ??= lastOffsetOf(records)))) return { aborted, records: records.subarray(0, p) };
    named.add(producerId);
    aborted.push({ producerId, firstOffset: BigInt(base) });
  }
  return { aborted, records }; // in batch order, so sorted by first offset
}

/** The last offset of the last whole batch in `records`. */
function lastOffsetOf(records: Buffer): number {
  let last = -1;
  for (let p = 0; p + BATCH_HEADER_SIZE <= records.length; p += records.readInt32BE(p + HeaderOffset.LENGTH) + LOG_OVERHEAD) last = readInt64(records, p) + records.readInt32BE(p + HeaderOffset.LAST_OFFSET_DELTA);
  return last;
}
