/**
 * Cluster features (KIP-584) as ApiVersions v3+ reports them. Kafka keeps them in its metadata
 * log and changes them with kafka-features.sh; a single Runnel node fixes them at start-up.
 *
 * transaction.version decides which transaction protocol Kafka 4 clients speak: at 2 (KIP-890)
 * they stop sending AddPartitionsToTxn/AddOffsetsToTxn, send Produce v12+, TxnOffsetCommit v5 and
 * EndTxn v5, and take the epoch the coordinator bumps at every EndTxn. group.version 1 announces
 * the consumer group protocol (KIP-848). metadata.version and kraft.version describe a KRaft
 * metadata log, which Runnel does not have, so they are not reported.
 */
import type { BrokerConfig } from '../config/config.js';

export interface SupportedFeature {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeature {
  name: string;
  minVersionLevel: number;
  maxVersionLevel: number;
}

export interface BrokerFeatures {
  supported: SupportedFeature[];
  finalized: FinalizedFeature[];
  /** Clients only adopt finalized features whose epoch is above the last one they saw. */
  epoch: bigint;
}

const TRANSACTION_VERSION = 'transaction.version';
const GROUP_VERSION = 'group.version';

/**
 * The epoch is the start time: it grows across restarts, so a client that reconnects after the
 * level changed (runnel.transaction.version edited, broker restarted) picks the new level up.
 */
export function brokerFeatures(config: BrokerConfig, startedAt = Date.now(), maxTransactionVersion = 2): BrokerFeatures {
  const transactionVersion = Math.min(config.int('runnel.transaction.version'), maxTransactionVersion);
  const finalized: FinalizedFeature[] = [{ name: GROUP_VERSION, minVersionLevel: 1, maxVersionLevel: 1 }];
  // Kafka leaves a feature at level 0 out of the finalized list.
  if (transactionVersion > 0) finalized.push({ name: TRANSACTION_VERSION, minVersionLevel: transactionVersion, maxVersionLevel: transactionVersion });
  return {
    supported: [
      { name: GROUP_VERSION, minVersion: 0, maxVersion: 1 },
      { name: TRANSACTION_VERSION, minVersion: 0, maxVersion: 2 },
    ],
    finalized,
    epoch: BigInt(startedAt),
  };
}
