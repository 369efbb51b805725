/**
 * Whether the request's principal may do `op` on the cluster resource (DESCRIBE for
 * DescribeUserScramCredentials, ALTER for AlterUserScramCredentials, as KafkaApis checks them).
 */
import { CLUSTER_NAME, ResourceType, type AclOpCode } from '../../ports/authorizer.js';
import type { HandlerContext } from '../../handlers/types.js';
import { principalOf } from '../principal.js';

export function authorizedOnCluster(ctx: HandlerContext, op: AclOpCode): boolean {
  const { authorizer } = ctx.broker;
  if (!authorizer.enabled) return true;
  return authorizer.authorize({ principal: principalOf(ctx.client), host: ctx.client.host }, op, ResourceType.CLUSTER, CLUSTER_NAME);
}
