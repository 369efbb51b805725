/**
 * The broker's internal topics, by name, and which of their partitions keeps a given group or
 * transactional id: what handlers (FindCoordinator, DescribeTransactions, WriteTxnMarkers) need to
 * know about them without reaching into the coordinators that own them.
 */
import { partitionFor } from './kv-log.js';
import type { TopicPartition } from '../util/topic-partition.js';

export { partitionFor };

/** Committed offsets and group metadata (the group coordinator's state). */
export const OFFSETS_TOPIC = '__consumer_offsets';
/** Transaction metadata (the transaction coordinator's state). */
export const TXN_TOPIC = '__transaction_state';

/**
 * The partitions a transaction spans, by topic, as Kafka lists them (TransactionLogValue,
 * DescribeTransactions): its data partitions (keys "topic\0partition") and, for each group whose
 * offsets it commits, that group's __consumer_offsets partition.
 */
export function transactionPartitions(partitions: Iterable<TopicPartition>, groups: Iterable<string>, offsetsPartitions: number): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  const add = (topic: string, p: number): void => {
    const list = byTopic.get(topic) ?? [];
    if (!list.includes(p)) list.push(p);
    byTopic.set(topic, list);
  };
  for (const { topic, partition } of partitions) add(topic, partition);
  if (offsetsPartitions > 0) for (const g of groups) add(OFFSETS_TOPIC, partitionFor(g, offsetsPartitions));
  return byTopic;
}
