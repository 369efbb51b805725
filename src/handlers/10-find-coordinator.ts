/**
 * FindCoordinator (key 10), v0–v6. This broker coordinates every group and transactional id; the
 * answer is still computed per key (src/groups/group-store.ts partitionFor maps a group to its
 * partition of __consumer_offsets) so that a cluster can spread them later. v4+ batches keys.
 * An empty group id is INVALID_REQUEST as in Kafka; key types other than group (0) and
 * transaction (1) are INVALID_REQUEST.
 */
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler, type HandlerContext } from './types.js';

function locate(ctx: HandlerContext, key: string, keyType: number): { nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null } {
  if (keyType !== 0 && keyType !== 1) return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}` };
  if (keyType === 0 && key === '') return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'group id is empty' };
  // The coordinator is this node, at its endpoint as the metadata image lists it.
  const self = ctx.broker.metadata.image().broker(ctx.broker.nodeId);
  if (!self) return { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
  const ep = self.endpoints[0];
  return { nodeId: self.id, host: ep.host, port: ep.port, errorCode: ErrorCode.NONE, errorMessage: null };
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
