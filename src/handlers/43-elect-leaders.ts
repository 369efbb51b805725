/**
 * ElectLeaders (key 43), v0–v2. A single node leads every partition and is every partition's
 * preferred (and only) replica, so no election is ever needed. Answered as Kafka's controller
 * (ReplicationControlManager.electLeaders) answers a cluster where that is so:
 *  - named partitions: ELECTION_NOT_NEEDED (84) for each, preferred (0) or unclean (1) alike
 *    (unclean is only needed for a partition without a leader); UNKNOWN_TOPIC_OR_PARTITION for
 *    a topic or partition that does not exist;
 *  - null topics ("all partitions"): one entry per topic, internal ones included, whose partition
 *    list leaves out the partitions that need no election, so every list is empty;
 *  - an election type other than 0 or 1: INVALID_REQUEST at the top level and for every named
 *    partition (ElectLeadersRequest.getErrorResponse); v0 has no election type (preferred).
 */
import type { ElectLeadersRequest, ElectLeadersResponse } from '../protocol/messages/index.js';
import { ElectLeadersRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

const NOT_NEEDED_MESSAGE = 'Leader election not needed for topic partition.';

export default defineHandler<ElectLeadersRequest, ElectLeadersResponse>(ElectLeadersRequestMeta, {
  note: 'Single node: every partition already has its preferred leader (ELECTION_NOT_NEEDED).',
  handle(req, ctx) {
    const electionType = ctx.apiVersion >= 1 ? req.electionType : 0;
    if (electionType !== 0 && electionType !== 1) {
      const message = `Unknown election type ${electionType}`;
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REQUEST,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
          topic: t.topic,
          partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message })),
        })),
      };
    }
    if (req.topicPartitions === null) {
      return { throttleTimeMs: 0, errorCode: 0, replicaElectionResults: ctx.broker.topics.list().map((t) => ({ topic: t.name, partitionResult: [] })) };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: req.topicPartitions.map((t) => {
        const topic = ctx.broker.topics.get(t.topic);
        return {
          topic: t.topic,
          partitionResult: t.partitions.map((p) => {
            if (!topic) return { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${t.topic}` };
            if (p < 0 || p >= topic.partitions) return { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${t.topic}-${p}` };
            return { partitionId: p, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: NOT_NEEDED_MESSAGE };
          }),
        };
      }),
    };
  },
});
