/**
 * ListPartitionReassignments (key 46), v0: the reassignments in progress, from the metadata image
 * (Kafka's ReplicationControlManager.listPartitionReassignments): every one when the topic list
 * is null, else those of the named partitions; topics that do not exist and partitions with no
 * reassignment are left out, topics with none listed are left out. Each lists the replica set
 * (target ∪ current) and the replicas being added and removed. A single node never has any.
 * Needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED).
 */
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../protocol/messages/index.js';
import { ListPartitionReassignmentsRequestMeta } from '../protocol/messages/index.js';
import type { PartitionImage, TopicImage } from '../cluster/metadata-image.js';
import { reassigning } from '../cluster/reassignment.js';
import { defineHandler } from './types.js';
import { AclOp, DENIED_MESSAGE, clusterDenied } from './common/authz.js';

type OngoingTopic = ListPartitionReassignmentsResponse['topics'][number];

function ongoing(t: TopicImage, indexes: readonly number[]): OngoingTopic | undefined {
  const partitions = indexes
    .map((i) => t.partitionStates[i])
    .filter((p): p is PartitionImage => p !== undefined && reassigning(p))
    .map((p) => ({ partitionIndex: p.partition, replicas: [...p.replicas], addingReplicas: [...(p.addingReplicas ?? [])], removingReplicas: [...(p.removingReplicas ?? [])] }));
  return partitions.length > 0 ? { name: t.name, partitions } : undefined;
}

export default defineHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>(ListPartitionReassignmentsRequestMeta, {
  note: 'Ongoing reassignments with their adding/removing replicas (none on a single node).',
  handle(req, ctx) {
    // DESCRIBE on the cluster: otherwise the error, with the named partitions echoed (getErrorResponse).
    const denied = clusterDenied(ctx, AclOp.DESCRIBE);
    if (denied) {
      const topics = (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, replicas: [], addingReplicas: [], removingReplicas: [] })) }));
      return { throttleTimeMs: 0, errorCode: denied, errorMessage: DENIED_MESSAGE[denied], topics };
    }
    const image = ctx.broker.metadata.image();
    const topics: OngoingTopic[] = [];
    if (req.topics === null) {
      for (const t of image.topics()) {
        const o = ongoing(t, t.partitionStates.map((p) => p.partition));
        if (o) topics.push(o);
      }
    } else {
      for (const wanted of req.topics) {
        const t = image.topic(wanted.name);
        const o = t && ongoing(t, wanted.partitionIndexes);
        if (o) topics.push(o);
      }
    }
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics };
  },
});
