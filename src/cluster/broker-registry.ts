/**
 * Which brokers the cluster knows, beyond the live ones: Kafka's broker registrations, which stay
 * (fenced) while a broker is down until UnregisterBroker removes them. In a cluster the live
 * registration is a lease-bound key that goes with the broker, so a second, persistent record
 * remembers every broker that ever registered (src/cluster/etcd/broker-registry.ts); DescribeCluster
 * with includeFencedBrokers lists the remembered brokers that are not alive, and UnregisterBroker
 * forgets one for good. A single node has no registry: its one broker is always alive.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerImage, MetadataImage } from './metadata-image.js';

export interface UnregisterResult {
  errorCode: number;
  errorMessage: string | null;
}

export interface BrokerRegistry {
  /** Brokers that registered once and are not alive now (Kafka's fenced brokers). */
  fenced(): Promise<BrokerImage[]>;
  /** Kafka's UnregisterBroker, with Runnel's refusals (see unregisterRefusal). */
  unregister(brokerId: number): Promise<UnregisterResult>;
}

export const notRegistered = (brokerId: number): UnregisterResult => ({
  errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED,
  errorMessage: `Broker ID ${brokerId} is not currently registered`,
});

export const aliveRefusal = (brokerId: number): UnregisterResult => ({
  errorCode: ErrorCode.INVALID_REQUEST,
  errorMessage: `Broker ${brokerId} is alive; stop it before unregistering it (Runnel keeps a live broker's registration with its session).`,
});

/**
 * Why a broker may not be unregistered now, or undefined. Kafka unregisters any registered broker
 * (a live one registers again at its next heartbeat; partitions keep naming a removed one). Here a
 * live broker's registration is its own session, so it is refused until the broker is stopped, and
 * so is a broker still named as a replica: its partitions are to be moved away first
 * (AlterPartitionReassignments), so that no assignment names a broker the cluster has forgotten.
 */
export function unregisterRefusal(brokerId: number, image: MetadataImage): UnregisterResult | undefined {
  if (image.broker(brokerId)) return aliveRefusal(brokerId);
  const hosted: string[] = [];
  for (const t of image.topics())
    for (const p of t.partitionStates) if (p.replicas.includes(brokerId)) hosted.push(`${t.name}-${p.partition}`);
  if (hosted.length > 0) {
    const shown = hosted.slice(0, 10).join(', ') + (hosted.length > 10 ? `, ... (${hosted.length} in all)` : '');
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Broker ${brokerId} is still a replica of ${shown}; move these partitions away first (AlterPartitionReassignments).` };
  }
  return undefined;
}
