/**
 * The broker's internal topics, by name, and which of their partitions keeps a given group or
 * transactional id: what handlers (FindCoordinator, DescribeTransactions, WriteTxnMarkers) need to
 * know about them without reaching into the coordinators that own them.
 */
export { partitionFor } from './kv-log.js';

/** Committed offsets and group metadata (the group coordinator's state). */
export const OFFSETS_TOPIC = '__consumer_offsets';
/** Transaction metadata (the transaction coordinator's state). */
export const TXN_TOPIC = '__transaction_state';
