/**
 * AlterPartitionReassignments (key 45), v0: Kafka's controller semantics
 * (ReplicationControlManager.alterPartitionReassignments; the state changes are
 * src/cluster/reassignment.ts). Per partition, in Kafka's order: UNKNOWN_TOPIC_OR_PARTITION for a
 * topic or partition that does not exist; a null replica list cancels the reassignment in progress
 * (NO_REASSIGNMENT_IN_PROGRESS when there is none); a target is refused with
 * INVALID_REPLICA_ASSIGNMENT when it is empty, names a broker that is not registered, or names one
 * twice (Kafka's messages). Needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED at the top
 * level and on every partition).
 *
 * In a cluster the change is a compare-and-swap of the partition's state in etcd made by the
 * broker that receives the request (Kafka forwards it to its controller); the controller completes
 * the reassignment once every added replica is in the ISR.
 *
 * On a single node the only registered broker is this one, so the answer is what Kafka's
 * controller gives a one-broker cluster: a target of [this node] changes nothing and succeeds,
 * any other broker is INVALID_REPLICA_ASSIGNMENT, a cancel is NO_REASSIGNMENT_IN_PROGRESS.
 *
 * Deviations: a new target while a reassignment is in progress replaces its adding/removing sets
 * (Kafka keeps the old ones when the new target adds or removes nothing); the leader epoch is
 * bumped only when the leader changes (Kafka also bumps it when replicas are removed).
 */
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../protocol/messages/index.js';
import { AlterPartitionReassignmentsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { targetError, type ReassignmentError } from '../cluster/reassignment.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, clusterDenied } from './common/authz.js';

async function alterOne(ctx: HandlerContext, topic: string, partition: number, replicas: number[] | null): Promise<ReassignmentError | undefined> {
  const image = ctx.broker.metadata.image();
  const t = image.topic(topic);
  if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Unable to find a topic named ${topic}.` };
  if (partition < 0 || partition >= t.partitions) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Unable to find partition ${topic}:${partition}.` };
  const reassignments = ctx.broker.reassignments;
  if (replicas !== null) {
    const bad = targetError(replicas, (id) => image.broker(id) !== undefined || (!reassignments && id === ctx.broker.nodeId));
    if (bad) return bad;
  }
  if (reassignments) return reassignments.alter(topic, partition, replicas);
  // One node: its only replica is itself, so a valid target is the assignment as it is.
  if (replicas === null) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message: 'No partition reassignment is in progress.' };
  return undefined;
}

export default defineHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>(AlterPartitionReassignmentsRequestMeta, {
  note: 'Cluster: Kafka semantics (add, catch up, switch, remove; cancel). Single node: [own id] succeeds as a no-op, other brokers INVALID_REPLICA_ASSIGNMENT, cancel NO_REASSIGNMENT_IN_PROGRESS.',
  async handle(req, ctx) {
    // ALTER on the cluster: otherwise the error at the top level and on every partition (getErrorResponse).
    const denied = clusterDenied(ctx, AclOp.ALTER);
    if (denied) {
      const errorMessage = DENIED_MESSAGE[denied];
      const responses = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: denied, errorMessage })) }));
      return { throttleTimeMs: 0, errorCode: denied, errorMessage, responses };
    }
    const responses: AlterPartitionReassignmentsResponse['responses'] = [];
    for (const t of req.topics) {
      const partitions: AlterPartitionReassignmentsResponse['responses'][number]['partitions'] = [];
      for (const p of t.partitions) {
        let err: ReassignmentError | undefined;
        try {
          err = await alterOne(ctx, t.name, p.partitionIndex, p.replicas);
        } catch (e) {
          ctx.log.warn({ err: e, topic: t.name, partition: p.partitionIndex }, 'partition reassignment failed');
          err = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: (e as Error).message };
        }
        if (err) ctx.log.info({ topic: t.name, partition: p.partitionIndex, errorCode: err.errorCode, message: err.message }, 'partition reassignment refused');
        partitions.push({ partitionIndex: p.partitionIndex, errorCode: err?.errorCode ?? 0, errorMessage: err?.message ?? null });
      }
      responses.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses };
  },
});
