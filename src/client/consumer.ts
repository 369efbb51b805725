/** Fetching: ListOffsets for start positions, Fetch, and decoding the returned batches into records. */
import * as m from '../protocol/messages/index.js';
import { batchRecords } from '../protocol/batch-records.js';
import { Attr, BATCH_HEADER_SIZE, batchSizeAt, readBatchHeader } from '../protocol/record-batch.js';
import { ApiKey, type Connection } from './connection.js';
import { check } from './errors.js';

export const EARLIEST = -2n;
export const LATEST = -1n;

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** The offset at `timestamp` (EARLIEST or LATEST) of each partition, from their leader. */
export async function listOffsets(conn: Connection, topic: string, partitions: number[], timestamp: bigint, isolationLevel = 0): Promise<Map<number, bigint>> {
  const res = await conn.request<m.ListOffsetsResponse>(ApiKey.ListOffsets, {
    replicaId: -1,
    isolationLevel,
    topics: [
      {
        ...m.defaultListOffsetsRequestListOffsetsTopic(),
        name: topic,
        partitions: partitions.map((p) => ({ ...m.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: p, timestamp })),
      },
    ],
  });
  const out = new Map<number, bigint>();
  for (const t of res.topics)
    for (const p of t.partitions) {
      check(p.errorCode, `list offsets of ${topic}-${p.partitionIndex}`);
      out.set(p.partitionIndex, p.offset);
    }
  return out;
}

export interface FetchResult {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  records: ConsumedRecord[];
  /** Where the next fetch of this partition starts. */
  nextOffset: bigint;
}

/** One Fetch of `positions` (partition → offset) from one broker, decoded. */
export async function fetchOnce(
  conn: Connection,
  topic: string,
  positions: Map<number, bigint>,
  opts: { maxWaitMs: number; isolationLevel: number; maxBytes?: number },
): Promise<FetchResult[]> {
  const res = await conn.request<m.FetchResponse>(ApiKey.Fetch, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs,
    minBytes: 1,
    maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: opts.isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        ...m.defaultFetchRequestFetchTopic(),
        topic,
        partitions: [...positions].map(([partition, fetchOffset]) => ({
          ...m.defaultFetchRequestFetchPartition(),
          partition,
          fetchOffset,
          partitionMaxBytes: 1024 * 1024,
        })),
      },
    ],
  });
  check(res.errorCode, `fetch from ${conn.label}`);
  const out: FetchResult[] = [];
  for (const t of res.responses)
    for (const p of t.partitions) {
      const from = positions.get(p.partitionIndex) ?? 0n;
      const result: FetchResult = { partition: p.partitionIndex, errorCode: p.errorCode, highWatermark: p.highWatermark, records: [], nextOffset: from };
      if (p.errorCode === 0 && p.records) await decodeBatches(topic, p, from, opts.isolationLevel === 1, result);
      out.push(result);
    }
  return out;
}

async function decodeBatches(topic: string, p: m.FetchResponsePartitionData, from: bigint, readCommitted: boolean, out: FetchResult): Promise<void> {
  const buf = p.records as Buffer;
  // read_committed: producers with an open aborted transaction, from its first offset.
  const aborted = [...(readCommitted ? (p.abortedTransactions ?? []) : [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  const abortedNow = new Set<bigint>();
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= buf.length) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break; // a partial batch at the end
    const batch = buf.subarray(pos, pos + size);
    pos += size;
    if (batch[16] !== 2) continue; // magic v0/v1 message sets are not read
    const h = readBatchHeader(batch);
    const last = h.baseOffset + BigInt(h.lastOffsetDelta);
    while (aborted.length > 0 && aborted[0].firstOffset <= last) abortedNow.add(aborted.shift()!.producerId);
    if (last >= out.nextOffset) out.nextOffset = last + 1n;
    if (h.attributes & Attr.CONTROL) {
      if (h.attributes & Attr.TRANSACTIONAL) abortedNow.delete(h.producerId);
      continue;
    }
    if (readCommitted && h.attributes & Attr.TRANSACTIONAL && abortedNow.has(h.producerId)) continue;
    const type = h.attributes & Attr.TIMESTAMP_LOG_APPEND ? 'LogAppendTime' : 'CreateTime';
    for (const r of await batchRecords(batch)) {
      if (r.offset < from) continue;
      out.records.push({
        topic,
        partition: p.partitionIndex,
        offset: r.offset,
        timestamp: type === 'LogAppendTime' ? h.maxTimestamp : r.timestamp,
        timestampType: type,
        key: r.key,
        value: r.value,
        headers: r.headers,
      });
    }
  }
}
