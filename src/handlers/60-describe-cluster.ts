/**
 * DescribeCluster (key 60), v0–v2. The brokers and controller of the metadata image: one broker,
 * which is also the controller. EndpointType 2
 * (controllers, KIP-919) is answered with this node too, since it plays both roles; other endpoint
 * types get UNSUPPORTED_ENDPOINT_TYPE as in Kafka. v2 with includeFencedBrokers (KIP-1073) adds,
 * in a cluster, the brokers that registered once and are down now, isFenced true, until
 * UnregisterBroker forgets them (src/cluster/broker-registry.ts).
 * Like Kafka, it needs no ACL; the authorized operations are the cluster's, or 0 without DESCRIBE on it.
 */
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/messages/index.js';
import { DescribeClusterRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { NOT_REQUESTED } from '../cluster/acl-operations.js';
import { clusterAuthorizedOperations } from './common/authz.js';
import { defineHandler } from './types.js';
import { brokerEndpoints } from './common/leader-endpoints.js';
import { clientEndpoint } from '../cluster/metadata-image.js';

const UNSUPPORTED_ENDPOINT_TYPE = 115;

export default defineHandler<DescribeClusterRequest, DescribeClusterResponse>(DescribeClusterRequestMeta, {
  async handle(req, ctx) {
    const image = ctx.broker.metadata.image();
    const base: DescribeClusterResponse = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: req.endpointType,
      clusterId: image.clusterId,
      controllerId: image.controllerForClients(ctx.broker.nodeId),
      brokers: brokerEndpoints(ctx).map(({ nodeId, ...ep }) => ({ brokerId: nodeId, ...ep, isFenced: false })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(ctx) : NOT_REQUESTED,
    };
    if (req.endpointType !== 1 && req.endpointType !== 2) {
      return { ...base, errorCode: UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `unsupported endpoint type ${req.endpointType}`, brokers: [] };
    }
    if (req.includeFencedBrokers && ctx.broker.brokerRegistry) {
      try {
        for (const b of await ctx.broker.brokerRegistry.fenced()) {
          const ep = clientEndpoint(b, ctx.client.listenerName);
          base.brokers.push({ brokerId: b.id, host: ep?.host ?? '', port: ep?.port ?? -1, rack: b.rack, isFenced: true });
        }
      } catch (err) {
        // The live brokers are still a right answer; the fenced ones come from etcd, which did not answer.
        ctx.log.warn({ err: (err as Error).message }, 'DescribeCluster: fenced brokers not listed');
      }
    }
    return base;
  },
});
