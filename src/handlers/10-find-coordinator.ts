/**
 * FindCoordinator (key 10), v0–v6. As in Kafka, a key's coordinator is the leader, in the metadata
 * image, of the key's partition of __consumer_offsets (groups) or __transaction_state
 * (transactional ids), by the partitioning the coordinators use (cluster/kv-log.ts partitionFor);
 * on one node that is this broker for every key. No leader known: COORDINATOR_NOT_AVAILABLE. In a
 * cluster the internal topic is created by the first FindCoordinator (coordinatorTopics), which
 * answers COORDINATOR_NOT_AVAILABLE meanwhile, as Kafka does. v4+ batches keys.
 * An empty group id is INVALID_REQUEST as in Kafka; key types other than group (0) and
 * transaction (1) are INVALID_REQUEST. A key needs DESCRIBE on its group
 * (GROUP_AUTHORIZATION_FAILED) or transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), as Kafka.
 */
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/index.js';
import { FindCoordinatorRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { OFFSETS_TOPIC, TXN_TOPIC, partitionFor } from '../cluster/internal-topics.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, groupDenied, transactionalIdDenied } from './common/authz.js';
import { clientEndpoint } from '../cluster/metadata-image.js';

async function locate(ctx: HandlerContext, key: string, keyType: number): Promise<{ nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null }> {
  if (keyType !== 0 && keyType !== 1) return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}` };
  const denied = keyType === 0 ? groupDenied(ctx, AclOp.DESCRIBE, key) : transactionalIdDenied(ctx, AclOp.DESCRIBE, key);
  if (denied) return { nodeId: -1, host: '', port: -1, errorCode: denied, errorMessage: DENIED_MESSAGE[denied] };
  if (keyType === 0 && key === '') return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'group id is empty' };
  const name = keyType === 0 ? OFFSETS_TOPIC : TXN_TOPIC;
  if (!ctx.broker.metadata.image().topic(name) && ctx.broker.coordinatorTopics) {
    const errorCode = await ctx.broker.coordinatorTopics.ensure(name);
    if (errorCode !== ErrorCode.NONE) return { nodeId: -1, host: '', port: -1, errorCode, errorMessage: null };
  }
  // As Kafka: the leader of the key's partition of the coordinator's internal topic, at its endpoint in the image.
  const image = ctx.broker.metadata.image();
  const topic = image.topic(name);
  const leader = topic && topic.partitions > 0 ? topic.partitionStates[partitionFor(key, topic.partitions)].leader : -1;
  const coordinator = image.broker(leader);
  const ep = clientEndpoint(coordinator, ctx.client.listenerName);
  if (!coordinator || !ep) return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
  return { nodeId: coordinator.id, host: ep.host, port: ep.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export default defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>(FindCoordinatorRequestMeta, {
  async handle(req, ctx) {
    if (ctx.apiVersion >= 4) {
      const coordinators = [];
      for (const key of req.coordinatorKeys) coordinators.push({ key, ...(await locate(ctx, key, req.keyType)) });
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        nodeId: -1,
        host: '',
        port: -1,
        coordinators,
      };
    }
    const r = await locate(ctx, req.key, req.keyType);
    return { throttleTimeMs: 0, errorCode: r.errorCode, errorMessage: r.errorMessage, nodeId: r.nodeId, host: r.host, port: r.port, coordinators: [] };
  },
});
