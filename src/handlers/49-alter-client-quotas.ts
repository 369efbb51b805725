/**
 * AlterClientQuotas (key 49), v0–v1: sets and removes client quotas with the validation of Kafka's
 * ClientQuotaControlManager (src/quotas/quota-admin.ts): entity types user / client-id / ip (ip
 * alone), null names for default entities, keys producer_byte_rate, consumer_byte_rate,
 * request_percentage, controller_mutation_rate for users and clients and connection_creation_rate
 * for ips; INVALID_REQUEST with Kafka's message per refused entry. The valid entries are applied
 * together (validate_only: none), in the data directory on one node and in etcd in a cluster, where
 * every broker's watch applies them.
 *
 * Deviations: controller_mutation_rate is stored and described but not enforced (no topic mutation is
 * throttled); a NaN value is refused ("must be greater than 0"), where Kafka stores it.
 * Needs ALTER_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED on every entry).
 */
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../protocol/messages/index.js';
import { AlterClientQuotasRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { alterQuotas } from '../quotas/quota-admin.js';
import { entityPairs } from '../quotas/quota-entity.js';
import { defineHandler } from './types.js';
import { AclOp, DENIED_MESSAGE, clusterDenied } from './common/authz.js';

export default defineHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>(AlterClientQuotasRequestMeta, {
  note: 'stored in the data dir (one node) or etcd (cluster, applied by every broker); controller_mutation_rate accepted, not enforced',
  async handle(req, ctx) {
    const denied = clusterDenied(ctx, AclOp.ALTER_CONFIGS);
    if (denied) return { throttleTimeMs: 0, entries: req.entries.map((e) => ({ errorCode: denied, errorMessage: DENIED_MESSAGE[denied], entity: e.entity.map((d) => ({ entityType: d.entityType, entityName: d.entityName })) })) };
    const results = await alterQuotas(
      ctx.broker.quotas.store,
      req.entries.map((e) => ({ entity: e.entity.map((d) => [d.entityType, d.entityName] as [string, string | null]), ops: e.ops })),
      req.validateOnly,
    );
    if (!req.validateOnly && results.some((r) => r.error === null)) ctx.log.info({ entities: results.filter((r) => r.error === null).length }, 'client quotas altered');
    return {
      throttleTimeMs: 0,
      entries: results.map((r) => ({
        errorCode: r.error === null ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
        errorMessage: r.error,
        entity: entityPairs(r.entity).map(([entityType, entityName]) => ({ entityType, entityName })),
      })),
    };
  },
});
