/**
 * KIP-951: with NOT_LEADER_OR_FOLLOWER, Produce (v10+) and Fetch (v12+) name the current leader of
 * each partition and list those brokers' endpoints, so that clients move without a Metadata round.
 */
import type { HandlerContext } from '../types.js';
import { clientEndpoint } from '../../cluster/metadata-image.js';

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** The endpoints clients use for the brokers named (ids below 0 and unknown brokers are skipped). */
export function leaderEndpoints(ctx: HandlerContext, ids: Iterable<number>): NodeEndpoint[] {
  const image = ctx.broker.metadata.image();
  const out: NodeEndpoint[] = [];
  for (const id of new Set(ids)) {
    if (id < 0 || id === ctx.broker.nodeId) continue;
    const b = image.broker(id);
    const ep = clientEndpoint(b, ctx.client.listenerName);
    if (b && ep) out.push({ nodeId: id, host: ep.host, port: ep.port, rack: b.rack });
  }
  return out;
}

/**
 * Every live broker at its endpoint on the client's listener, as Metadata and DescribeCluster list
 * them; a broker without that listener is left out, as Kafka does.
 */
export function brokerEndpoints(ctx: HandlerContext): NodeEndpoint[] {
  const out: NodeEndpoint[] = [];
  for (const b of ctx.broker.metadata.image().brokers()) {
    const ep = clientEndpoint(b, ctx.client.listenerName);
    if (ep) out.push({ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack });
  }
  return out;
}
