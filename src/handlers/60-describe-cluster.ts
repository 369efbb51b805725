/**
 * DescribeCluster (key 60), v0–v2. The brokers and controller of the metadata image: one broker,
 * which is also the controller. EndpointType 2
 * (controllers, KIP-919) is answered with this node too, since it plays both roles; other endpoint
 * types get UNSUPPORTED_ENDPOINT_TYPE as in Kafka. v2 with includeFencedBrokers (KIP-1073) adds,
 * in a cluster, the brokers that registered once and are down now, isFenced true, until
 * UnregisterBroker forgets them (src/cluster/broker-registry.ts).
 */
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/messages/index.js';
import { DescribeClusterRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { CLUSTER_OPERATIONS, NOT_REQUESTED } from '../cluster/acl-operations.js';
import { defineHandler } from './types.js';

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
      brokers: image.brokers().map((b) => ({ brokerId: b.id, host: b.endpoints[0].host, port: b.endpoints[0].port, rack: b.rack, isFenced: false })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_REQUESTED,
    };
    if (req.endpointType !== 1 && req.endpointType !== 2) {
      return { ...base, errorCode: UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `unsupported endpoint type ${req.endpointType}`, brokers: [] };
    }
    if (req.includeFencedBrokers && ctx.broker.brokerRegistry) {
      try {
        for (const b of await ctx.broker.brokerRegistry.fenced()) base.brokers.push({ brokerId: b.id, host: b.endpoints[0]?.host ?? '', port: b.endpoints[0]?.port ?? -1, rack: b.rack, isFenced: true });
      } catch (err) {
        // The live brokers are still a right answer; the fenced ones come from etcd, which did not answer.
        ctx.log.warn({ err: (err as Error).message }, 'DescribeCluster: fenced brokers not listed');
      }
    }
    return base;
  },
});
