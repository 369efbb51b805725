/**
 * WriteTxnMarkers (key 27), v0–v2: writes COMMIT or ABORT markers for a producer into partitions.
 * In Kafka the transaction coordinator sends it to partition leaders; admins send it too, to end a
 * hanging transaction (`kafka-transactions.sh abort`: DescribeProducers finds the producer whose
 * transaction starts at the given offset, then an ABORT marker with its epoch and coordinator
 * epoch). The marker goes through the same path as the coordinator's own (Log.appendMarker),
 * so the last stable offset moves and read_committed consumers skip an aborted transaction.
 *
 * Errors per partition, as Kafka's ReplicaManager / ProducerAppendInfo: UNKNOWN_TOPIC_OR_PARTITION;
 * INVALID_PRODUCER_EPOCH for an epoch older than the producer's on that partition (from v2 with
 * TransactionVersion 2: not newer than it, since such markers carry a bumped epoch);
 * TRANSACTION_COORDINATOR_FENCED for a coordinator epoch older than the last marker's. A marker to
 * a __consumer_offsets partition also ends the producer's pending transactional offsets of the
 * groups stored there. Runnel's transaction coordinator sends it for partitions another broker leads
 * (transactions/marker-sender.ts) and writes its markers through the handle where it leads them; no
 * coordinator state changes here: an abort of an open transaction the coordinator still tracks is
 * repeated harmlessly when that transaction ends.
 * Needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED on every partition), as Kafka.
 */
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/messages/index.js';
import { WriteTxnMarkersRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { OFFSETS_TOPIC } from '../cluster/internal-topics.js';
import { findTopic, findPartition } from './common/partitions.js';
import { partitionErrorCode } from '../partitions/partition-errors.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, clusterDenied } from './common/authz.js';

type Marker = WriteTxnMarkersRequest['markers'][number];

async function writeOne(ctx: HandlerContext, m: Marker, topic: string, partition: number): Promise<number> {
  const found = findTopic(ctx.broker, topic);
  if (!found.topic) return found.errorCode;
  const { partition: log, errorCode } = findPartition(ctx.broker, found.topic, partition);
  if (!log) return errorCode;
  try {
    await log.appendMarker(m.producerId, m.producerEpoch, m.transactionResult, m.coordinatorEpoch, m.transactionVersion).committed;
    if (topic === OFFSETS_TOPIC) await ctx.broker.groups.completeTxnOffsetsOnPartition(partition, found.topic.partitions, m.producerId, m.transactionResult);
    return 0;
  } catch (err) {
    return partitionErrorCode(err, ctx.log, { topic, partition, producerId: String(m.producerId) }).code;
  }
}

export default defineHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>(WriteTxnMarkersRequestMeta, {
  note: 'Admin use (kafka-transactions.sh abort): COMMIT/ABORT markers with Kafka\'s producer and coordinator epoch checks.',
  async handle(req, ctx) {
    // Only brokers and admins acting as one (CLUSTER_ACTION): every partition answers CLUSTER_AUTHORIZATION_FAILED otherwise.
    const denied = clusterDenied(ctx, AclOp.CLUSTER_ACTION);
    const markers = [];
    for (const m of req.markers) {
      const topics = [];
      for (const t of m.topics) {
        const partitions = [];
        for (const p of t.partitionIndexes) partitions.push({ partitionIndex: p, errorCode: denied || (await writeOne(ctx, m, t.name, p)) });
        topics.push({ name: t.name, partitions });
      }
      if (m.topics.length > 0 && !denied) ctx.log.info({ producerId: String(m.producerId), producerEpoch: m.producerEpoch, commit: m.transactionResult }, 'transaction markers written on request');
      markers.push({ producerId: m.producerId, topics });
    }
    return { markers };
  },
});
