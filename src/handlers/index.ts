/**
 * The handler registry: one module per API, named NN-<api>.ts after its key. ApiVersions is
 * answered from this list, so an API is advertised exactly when a handler for it is here.
 */
import { NO_RESPONSE, type Handler } from './types.js';
import { PRODUCER_FENCED_SINCE, needsLegacyFencing, toLegacyFencing } from '../ports/transactions.js';
import produce from './00-produce.js';
import fetch from './01-fetch.js';
import listOffsets from './02-list-offsets.js';
import offsetCommit from './08-offset-commit.js';
import offsetFetch from './09-offset-fetch.js';
import findCoordinator from './10-find-coordinator.js';
import joinGroup from './11-join-group.js';
import heartbeat from './12-heartbeat.js';
import leaveGroup from './13-leave-group.js';
import syncGroup from './14-sync-group.js';
import describeGroups from './15-describe-groups.js';
import listGroups from './16-list-groups.js';
import deleteGroups from './42-delete-groups.js';
import offsetDelete from './47-offset-delete.js';
import describeClientQuotas from './48-describe-client-quotas.js';
import alterClientQuotas from './49-alter-client-quotas.js';
import describeUserScramCredentials from './50-describe-user-scram-credentials.js';
import alterUserScramCredentials from './51-alter-user-scram-credentials.js';
import describeAcls from './29-describe-acls.js';
import createAcls from './30-create-acls.js';
import deleteAcls from './31-delete-acls.js';
import initProducerId from './22-init-producer-id.js';
import addPartitionsToTxn from './24-add-partitions-to-txn.js';
import addOffsetsToTxn from './25-add-offsets-to-txn.js';
import endTxn from './26-end-txn.js';
import writeTxnMarkers from './27-write-txn-markers.js';
import txnOffsetCommit from './28-txn-offset-commit.js';
import electLeaders from './43-elect-leaders.js';
import alterPartitionReassignments from './45-alter-partition-reassignments.js';
import listPartitionReassignments from './46-list-partition-reassignments.js';
import describeProducers from './61-describe-producers.js';
import describeTransactions from './65-describe-transactions.js';
import listTransactions from './66-list-transactions.js';
import apiVersions from './18-api-versions.js';
import metadata from './03-metadata.js';
import describeCluster from './60-describe-cluster.js';
import createTopics from './19-create-topics.js';
import deleteTopics from './20-delete-topics.js';
import deleteRecords from './21-delete-records.js';
import offsetForLeaderEpoch from './23-offset-for-leader-epoch.js';
import describeConfigs from './32-describe-configs.js';
import alterConfigs from './33-alter-configs.js';
import describeLogDirs from './35-describe-log-dirs.js';
import createPartitions from './37-create-partitions.js';
import incrementalAlterConfigs from './44-incremental-alter-configs.js';
import describeTopicPartitions from './75-describe-topic-partitions.js';
import consumerGroupHeartbeat from './68-consumer-group-heartbeat.js';
import consumerGroupDescribe from './69-consumer-group-describe.js';
import unregisterBroker from './64-unregister-broker.js';
import saslHandshake from './17-sasl-handshake.js';
import saslAuthenticate from './36-sasl-authenticate.js';

const served: readonly Handler[] = [
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  writeTxnMarkers,
  txnOffsetCommit,
  electLeaders,
  alterPartitionReassignments,
  listPartitionReassignments,
  describeProducers,
  describeTransactions,
  listTransactions,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
  unregisterBroker,
  saslHandshake,
  saslAuthenticate,
  initProducerId,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  deleteGroups,
  offsetDelete,
  describeClientQuotas,
  alterClientQuotas,
  describeUserScramCredentials,
  alterUserScramCredentials,
  describeAcls,
  createAcls,
  deleteAcls,
  produce, fetch, listOffsets, metadata, apiVersions, describeCluster,
  createTopics, deleteTopics, deleteRecords, offsetForLeaderEpoch, describeConfigs, alterConfigs, describeLogDirs, createPartitions, incrementalAlterConfigs, describeTopicPartitions];

/** The transactional APIs answer old request versions INVALID_PRODUCER_EPOCH for fencing (legacy-fencing.ts). */
function withLegacyFencing(h: Handler): Handler {
  if (!PRODUCER_FENCED_SINCE.has(h.apiKey)) return h;
  return {
    ...h,
    async handle(req, ctx) {
      const res = await h.handle(req, ctx);
      return res !== NO_RESPONSE && needsLegacyFencing(h.apiKey, ctx.apiVersion) ? toLegacyFencing(res) : res;
    },
  };
}

export const handlers: readonly Handler[] = served.map(withLegacyFencing);

export const handlerRegistry: ReadonlyMap<number, Handler> = new Map(handlers.map((h) => [h.apiKey, h]));

export function advertisedRanges(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
  return [...handlers]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion }));
}
