/**
 * DescribeClientQuotas (key 48), v0–v1: the client quotas matching a filter, as Kafka's
 * ClientQuotasImage.describe answers (src/quotas/quota-admin.ts). A filter Kafka refuses fails the
 * whole request: INVALID_REQUEST (UNSUPPORTED_VERSION for an unknown entity type) with Kafka's
 * message and null entries. In a cluster every broker answers from its copy of the quotas in etcd.
 * Needs DESCRIBE_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED, null entries).
 */
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../protocol/messages/index.js';
import { DescribeClientQuotasRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { describeQuotas } from '../quotas/quota-admin.js';
import { entityPairs } from '../quotas/quota-entity.js';
import { QuotaRequestError } from '../quotas/quota-keys.js';
import { defineHandler } from './types.js';
import { AclOp, DENIED_MESSAGE, clusterDenied } from './common/authz.js';

export default defineHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>(DescribeClientQuotasRequestMeta, {
  note: 'user / client-id / ip entities and defaults; exact, default and specified matches, strict',
  handle(req, ctx) {
    const denied = clusterDenied(ctx, AclOp.DESCRIBE_CONFIGS);
    if (denied) return { throttleTimeMs: 0, errorCode: denied, errorMessage: DENIED_MESSAGE[denied], entries: null };
    try {
      const found = describeQuotas(ctx.broker.quotas.store.snapshot().values(), req.components, req.strict);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        entries: found.map((e) => ({
          entity: entityPairs(e.entity).map(([entityType, entityName]) => ({ entityType, entityName })),
          values: Object.entries(e.values).map(([key, value]) => ({ key, value })),
        })),
      };
    } catch (err) {
      if (!(err instanceof QuotaRequestError)) throw err;
      return { throttleTimeMs: 0, errorCode: err.unsupported ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.INVALID_REQUEST, errorMessage: err.message, entries: null };
    }
  },
});
