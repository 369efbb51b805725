/**
 * Whether the request's principal may do `op` on the cluster resource (DESCRIBE for
 * DescribeUserScramCredentials, ALTER for AlterUserScramCredentials, as KafkaApis checks them).
 * TODO(foundation): BrokerServices.authorizer and principalOf() come with the security foundation;
 * until it is merged an absent authorizer allows everything, as Kafka does without authorizer.class.name.
 */
import { ALLOW_ALL, CLUSTER_NAME, ResourceType, type AclOpCode, type Authorizer } from '../../ports/authorizer.js';
import type { HandlerContext } from '../../handlers/types.js';

export function authorizedOnCluster(ctx: HandlerContext, op: AclOpCode): boolean {
  const authorizer = (ctx.broker as { authorizer?: Authorizer }).authorizer ?? ALLOW_ALL;
  if (!authorizer.enabled) return true;
  const who = { principal: `User:${ctx.client.principal ?? 'ANONYMOUS'}`, host: ctx.client.remoteAddress };
  return authorizer.authorize(who, op, ResourceType.CLUSTER, CLUSTER_NAME);
}
