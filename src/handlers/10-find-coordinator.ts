/**
 * FindCoordinator (key 10), v0–v6. As in Kafka, a key's coordinator is the leader, in the metadata
 * image, of the key's partition of __consumer_offsets (groups) or __transaction_state
 * (transactional ids), by the partitioning the coordinators use (cluster/kv-log.ts partitionFor);
 * on one node that is this broker for every key. No leader known: COORDINATOR_NOT_AVAILABLE. v4+ batches keys.
 * An empty group id is INVALID_REQUEST as in Kafka; key types other than group (0) and
 * transaction (1) are INVALID_REQUEST.
 */
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { OFFSETS_TOPIC, TXN_TOPIC, partitionFor } from '../cluster/internal-topics.js';
import { defineHandler, type HandlerContext } from './types.js';

function locate(ctx: HandlerContext, key: string, keyType: number): { nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null } {
  if (keyType !== 0 && keyType !== 1) return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}` };
  if (keyType === 0 && key === '') return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'group id is empty' };
  // As Kafka: the leader of the key's partition of the coordinator's internal topic, at its endpoint in the image.
  const image = ctx.broker.metadata.image();
  const topic = image.topic(keyType === 0 ? OFFSETS_TOPIC : TXN_TOPIC);
  const leader = topic && topic.partitions > 0 ? topic.partitionStates[partitionFor(key, topic.partitions)].leader : -1;
  const coordinator = image.broker(leader);
  if (!coordinator) return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
  const ep = coordinator.endpoints[0];
  return { nodeId: coordinator.id, host: ep.host, port: ep.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export default defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    if (ctx.apiVersion >= 4) {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        nodeId: -1,
        host: '',
        port: -1,
        coordinators: req.coordinatorKeys.map((key) => ({ key, ...locate(ctx, key, req.keyType) })),
      };
    }
    const r = locate(ctx, req.key, req.keyType);
    return { throttleTimeMs: 0, errorCode: r.errorCode, errorMessage: r.errorMessage, nodeId: r.nodeId, host: r.host, port: r.port, coordinators: [] };
  },
});
