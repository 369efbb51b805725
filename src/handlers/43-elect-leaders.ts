/**
 * ElectLeaders (key 43), v0–v2, as Kafka's controller answers it (ReplicationControlManager.electLeaders).
 *
 * In a cluster the active controller elects, whichever broker received the request (Kafka forwards
 * it to the controller; here the request goes through etcd, src/cluster/etcd/election-requests.ts):
 *  - preferred (0): the first replica of the assignment leads if it is alive and in the ISR
 *    (PREFERRED_LEADER_NOT_AVAILABLE otherwise; ELECTION_NOT_NEEDED when it already leads);
 *    unclean (1): only a partition without a leader gets one, any live replica
 *    (ELECTION_NOT_NEEDED when it has a leader, ELIGIBLE_LEADERS_NOT_AVAILABLE when none is alive);
 *  - named partitions: one result each, in the request's order; a partition named twice is
 *    elected once and both entries carry its result; UNKNOWN_TOPIC_OR_PARTITION for a topic or
 *    partition (negative ones included) that does not exist; an empty list is answered at once;
 *  - null topics ("all partitions"): every topic, listing only the partitions where an election
 *    was made or attempted and failed (not those that needed none), as Kafka does;
 *  - no answer from the controller within TimeoutMs: REQUEST_TIMED_OUT at the top level and for
 *    every named partition (ElectLeadersRequest.getErrorResponse).
 *
 * A single node leads every partition and is every partition's preferred (and only) replica, so
 * no election is ever needed: named partitions get ELECTION_NOT_NEEDED, null topics one empty
 * entry per topic (internal ones included).
 *
 * Either way, an election type other than 0 or 1 is INVALID_REQUEST at the top level and for
 * every named partition (ElectLeadersRequest.getErrorResponse); v0 has no election type (preferred).
 * Needs ALTER on the cluster, checked first (CLUSTER_AUTHORIZATION_FAILED the same way).
 */
import type { ElectLeadersRequest, ElectLeadersResponse } from '../protocol/messages/index.js';
import { ElectLeadersRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, clusterDenied } from './common/authz.js';
import type { LeaderElections } from '../ports/leader-elections.js';

const NOT_NEEDED_MESSAGE = 'Leader election not needed for topic partition.';

export default defineHandler<ElectLeadersRequest, ElectLeadersResponse>(ElectLeadersRequestMeta, {
  note: 'Cluster: preferred and unclean elections made by the active controller (any broker may receive it). Single node: every partition already has its preferred leader (ELECTION_NOT_NEEDED).',
  handle(req, ctx) {
    const electionType = ctx.apiVersion >= 1 ? req.electionType : 0;
    // ElectLeadersRequest.getErrorResponse: the error at the top level and on every named partition.
    const failAll = (errorCode: number, message: string): ElectLeadersResponse => ({
      throttleTimeMs: 0,
      errorCode,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode, errorMessage: message })),
      })),
    });
    const denied = clusterDenied(ctx, AclOp.ALTER);
    if (denied) return failAll(denied, DENIED_MESSAGE[denied]);
    if (electionType !== 0 && electionType !== 1) return failAll(ErrorCode.INVALID_REQUEST, `Unknown election type ${electionType}`);
    const elections = ctx.broker.leaderElections;
    if (elections) return inCluster(elections, req, electionType, ctx);
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

type Result = ElectLeadersResponse['replicaElectionResults'][number]['partitionResult'][number];

async function inCluster(elections: LeaderElections, req: ElectLeadersRequest, type: 0 | 1, ctx: HandlerContext): Promise<ElectLeadersResponse> {
  const timeoutMs = Math.max(0, req.timeoutMs);
  if (req.topicPartitions === null) {
    const answer = await elections.elect({ type, partitions: null, timeoutMs });
    if (answer === 'timeout') return { throttleTimeMs: 0, errorCode: ErrorCode.REQUEST_TIMED_OUT, replicaElectionResults: [] };
    const byTopic = new Map<string, Result[]>((answer.topics ?? []).map((t) => [t, []]));
    for (const r of answer.results) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
    }
    return { throttleTimeMs: 0, errorCode: 0, replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })) };
  }
  // Partitions this broker does not know are answered here; the others once each by the controller.
  const local = new Map<string, Result>();
  const asked = new Map<string, { topic: string; partition: number }>();
  const id = (topic: string, p: number) => `${topic}\u0000${p}`;
  for (const t of req.topicPartitions) {
    const topic = ctx.broker.topics.get(t.topic);
    for (const p of t.partitions) {
      if (!topic) local.set(id(t.topic, p), { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${t.topic}` });
      else if (p < 0 || p >= topic.partitions) local.set(id(t.topic, p), { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${t.topic}-${p}` });
      else asked.set(id(t.topic, p), { topic: t.topic, partition: p });
    }
  }
  const answer = asked.size > 0 ? await elections.elect({ type, partitions: [...asked.values()], timeoutMs }) : { results: [] };
  if (answer === 'timeout') {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.REQUEST_TIMED_OUT,
      replicaElectionResults: req.topicPartitions.map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Timed out waiting for the controller to elect leaders' })),
      })),
    };
  }
  const elected = new Map(answer.results.map((r) => [id(r.topic, r.partition), { partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage }]));
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    replicaElectionResults: req.topicPartitions.map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map(
        (p) =>
          local.get(id(t.topic, p)) ??
          elected.get(id(t.topic, p)) ?? { partitionId: p, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The controller gave no result for this partition' },
      ),
    })),
  };
}
