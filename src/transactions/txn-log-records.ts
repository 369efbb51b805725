/**
 * Transactions as Kafka's own __transaction_state records (protocol-specs/transaction-log.spec):
 * TransactionLogKey (version 0) and TransactionLogValue version 1, so that Kafka's
 * TransactionLogMessageFormatter reads them. Groups whose offsets are in a transaction are listed as
 * their __consumer_offsets partitions, as Kafka lists them; two tagged fields of Runnel's own keep
 * the group ids and the epoch a retrying InitProducerId may name (Kafka's readers skip them).
 *
 * Also reads the former format (text key "t\0<id>", JSON value), for the migration in txn-store.ts.
 */
import * as M from '../protocol/messages/index.js';
import { codec, fromVersioned, toVersioned } from '../protocol/versioned.js';
import { OFFSETS_TOPIC, transactionPartitions } from '../cluster/internal-topics.js';
import type { TxnMetadata } from './txn-metadata.js';
import type { TxnState } from './txn-rules.js';
import { TopicPartitionSet, joinKey, parseTpKey } from '../util/topic-partition.js';

/** The key of a legacy (JSON) transaction record: "t\0<transactionalId>". */
const LEGACY_KEY_PREFIX = joinKey('t', '');

const KEY = codec(M.readTransactionLogKey, M.sizeTransactionLogKey, M.writeTransactionLogKey);
const VALUE = codec(M.readTransactionLogValue, M.sizeTransactionLogValue, M.writeTransactionLogValue);

/** Kafka's TransactionState ids. */
const STATES: readonly TxnState[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort'];
const DEAD = 6;
const PREPARE_EPOCH_FENCE = 7;

export type StoredTxn = Omit<TxnMetadata, 'pending'>;

export function txnKey(transactionalId: string): Buffer {
  return toVersioned(KEY, 0, { transactionalId });
}

export function txnValue(t: StoredTxn, offsetsPartitions: number): Buffer {
  const byTopic = transactionPartitions(t.partitions, t.groups, offsetsPartitions);
  return toVersioned(VALUE, 1, {
    producerId: t.producerId,
    previousProducerId: t.previousProducerId,
    nextProducerId: t.nextProducerId,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.timeoutMs,
    transactionStatus: STATES.indexOf(t.state),
    // As Kafka: no partition list for an Empty transaction.
    transactionPartitions: t.state === 'Empty' ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: BigInt(t.lastUpdate),
    transactionStartTimestampMs: BigInt(t.startTimestamp),
    clientTransactionVersion: 0,
    lastProducerEpoch: t.lastProducerEpoch,
    transactionGroups: t.groups.size > 0 ? [...t.groups] : null,
  });
}

/** A record of __transaction_state; undefined for a key this format does not have. Throws on damaged bytes. */
export function decodeTxnRecord(key: Buffer, value: Buffer | null): { transactionalId: string; value: StoredTxn | null } | undefined {
  if (key.length < 2 || key.readInt16BE(0) !== 0) return undefined;
  const transactionalId = fromVersioned(KEY, key).transactionalId;
  if (value === null) return { transactionalId, value: null };
  const v = fromVersioned(VALUE, value);
  if (v.transactionStatus === DEAD) return { transactionalId, value: null };
  const state = v.transactionStatus === PREPARE_EPOCH_FENCE ? 'PrepareAbort' : STATES[v.transactionStatus];
  if (!state) throw new RangeError(`unknown transaction status ${v.transactionStatus}`);
  const partitions = new TopicPartitionSet();
  for (const tp of v.transactionPartitions ?? []) {
    // Group partitions come back through the group ids, when Runnel wrote them.
    if (tp.topic === OFFSETS_TOPIC && v.transactionGroups !== null) continue;
    for (const p of tp.partitionIds) partitions.add(tp.topic, p);
  }
  return {
    transactionalId,
    value: {
      transactionalId,
      producerId: v.producerId,
      producerEpoch: v.producerEpoch,
      previousProducerId: v.previousProducerId,
      lastProducerEpoch: v.lastProducerEpoch,
      nextProducerId: v.nextProducerId,
      timeoutMs: v.transactionTimeoutMs,
      state,
      partitions,
      groups: new Set(v.transactionGroups ?? []),
      startTimestamp: Number(v.transactionStartTimestampMs),
      lastUpdate: Number(v.transactionLastUpdateTimestampMs),
    },
  };
}

/** The former JSON value. */
interface LegacyTxn {
  producerId: string;
  producerEpoch: number;
  previousProducerId?: string;
  lastProducerEpoch?: number;
  nextProducerId?: string;
  timeoutMs: number;
  state: TxnState;
  partitions: string[];
  groups: string[];
  startTimestamp: number;
  lastUpdate: number;
}

/** A record of the former format ("t\0<id>" and JSON); undefined when it is not one or unreadable. */
export function decodeLegacyTxnRecord(key: Buffer, value: Buffer | null): { transactionalId: string; value: StoredTxn | null } | undefined {
  const k = key.toString();
  if (!k.startsWith(LEGACY_KEY_PREFIX)) return undefined;
  const transactionalId = k.slice(LEGACY_KEY_PREFIX.length);
  if (value === null) return { transactionalId, value: null };
  try {
    const v = JSON.parse(value.toString()) as LegacyTxn;
    return {
      transactionalId,
      value: {
        transactionalId,
        producerId: BigInt(v.producerId),
        producerEpoch: v.producerEpoch,
        previousProducerId: BigInt(v.previousProducerId ?? -1),
        lastProducerEpoch: v.lastProducerEpoch ?? -1,
        nextProducerId: BigInt(v.nextProducerId ?? -1),
        timeoutMs: v.timeoutMs,
        state: v.state,
        partitions: new TopicPartitionSet(v.partitions.map(parseTpKey)),
        groups: new Set(v.groups),
        startTimestamp: v.startTimestamp,
        lastUpdate: v.lastUpdate,
      },
    };
  } catch {
    return undefined;
  }
}
