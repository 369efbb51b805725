/**
 * UnregisterBroker (key 64), v0: forgets a broker that is gone for good (kafka-cluster.sh
 * unregister, `runnel cluster unregister`). An id never registered, or already unregistered, is
 * BROKER_ID_NOT_REGISTERED ("Broker ID N is not currently registered"), as Kafka's controller
 * answers. In a cluster every broker that registered once is remembered in etcd (see
 * src/cluster/broker-registry.ts); once it is down it is listed by DescribeCluster with
 * includeFencedBrokers (isFenced), and unregistering removes it from that list. Needs ALTER on the
 * cluster (CLUSTER_AUTHORIZATION_FAILED).
 *
 * Deviations: Kafka unregisters any registered broker. Runnel refuses (INVALID_REQUEST, with a
 * message) a broker that is alive, whose registration is its own live session, and a broker still
 * named as a replica of a partition: move its partitions away first. On a single node the node
 * itself is alive and no other id is registered.
 */
import type { UnregisterBrokerRequest, UnregisterBrokerResponse } from '../protocol/messages/index.js';
import { UnregisterBrokerRequestMeta } from '../protocol/messages/index.js';
import { aliveRefusal, notRegistered } from '../cluster/broker-registry.js';
import { errorOf } from './admin-common.js';
import { defineHandler } from './types.js';
import { AclOp, DENIED_MESSAGE, clusterDenied } from './common/authz.js';

export default defineHandler<UnregisterBrokerRequest, UnregisterBrokerResponse>(UnregisterBrokerRequestMeta, {
  note: 'a live broker, or one still named as a replica, is refused (INVALID_REQUEST)',
  async handle(req, ctx) {
    const registry = ctx.broker.brokerRegistry;
    const id = req.brokerId;
    const denied = clusterDenied(ctx, AclOp.ALTER);
    if (denied) return { throttleTimeMs: 0, errorCode: denied, errorMessage: DENIED_MESSAGE[denied] };
    try {
      const r = registry ? await registry.unregister(id) : id === ctx.broker.nodeId ? aliveRefusal(id) : notRegistered(id);
      if (r.errorCode === 0) ctx.broker.log.info({ brokerId: id, by: ctx.header.clientId }, 'broker unregistered');
      return { throttleTimeMs: 0, errorCode: r.errorCode, errorMessage: r.errorMessage };
    } catch (e) {
      const { code, message } = errorOf(e, ctx, `unregistering broker ${id}`);
      return { throttleTimeMs: 0, errorCode: code, errorMessage: message };
    }
  },
});
