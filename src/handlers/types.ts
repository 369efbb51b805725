import type { BrokerRegistry } from '../cluster/broker-registry.js';
import type { Logger } from '../util/logger.js';
import type { RequestHeader } from '../protocol/messages/headers.js';
import type { BrokerConfig, Listener } from '../config/config.js';
import type { TopicCatalog } from '../cluster/topics.js';
import type { PartitionManager } from '../partitions/partition-manager.js';
import type { MetadataImage, MetadataDelta } from '../cluster/metadata-image.js';
import type { FetchSessionCache } from '../fetch/session-cache.js';
import type { GroupCoordinatorPort } from '../ports/groups.js';
import type { ProducerIdAllocator } from '../producers/producer-ids.js';
import type { TxnCoordinatorPort } from '../ports/transactions.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { DynamicConfigs } from '../config/dynamic-configs.js';
import type { BrokerLoggers } from '../util/loggers.js';
import type { PartitionReassignmentsPort } from '../ports/reassignments.js';
import type { LeaderElections } from '../ports/leader-elections.js';
import type { ClientQuotas } from '../quotas/client-quotas.js';
import type { ScramCredentialStore } from '../security/scram/credential-store.js';
import type { Authorizer } from '../ports/authorizer.js';
import type { SecurityProtocol } from '../security/listener-spec.js';

/** What a connection knows about its client; ApiVersions v3+ fills in the software name and version. */
export interface ClientInfo {
  connectionId: number;
  /** ip:port of the client. */
  remoteAddress: string;
  /** The client's IP alone (ACL hosts, connection quotas). */
  host: string;
  /** The listener the client came in on: Metadata answers with that listener's endpoints. */
  listenerName: string;
  securityProtocol: SecurityProtocol;
  /** False on a SASL listener until SASL authentication succeeds; only ApiVersions and SASL are served until then. */
  authenticated: boolean;
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
  /** The authenticated user's name (principal User:<name>); undefined is ANONYMOUS (principalOf in src/security/principal.ts). */
  principal?: string;
}

/** What handlers may ask of the metadata owner (src/cluster/metadata-owner.ts). */
export interface MetadataSource {
  image(): MetadataImage;
  apply(delta: MetadataDelta): Promise<MetadataImage>;
}

/**
 * The broker-wide services a handler may use: ports (interfaces), never the classes behind them or
 * the server itself. Handlers import nothing from src/storage/, src/groups/ or src/transactions/
 * (test/architecture/dependencies.test.ts).
 */
export interface BrokerServices {
  config: BrokerConfig;
  clusterId: string;
  nodeId: number;
  /** The endpoint clients are told to use (Metadata, FindCoordinator, DescribeCluster). */
  advertised(): Listener;
  /** Topic changes and lookups; the same owner as `metadata`, seen as a topic catalogue. */
  topics: TopicCatalog;
  /** Every partition request goes through here: a handle, or the Kafka error to answer. */
  partitions: PartitionManager;
  /** The one owner of the cluster metadata image: brokers, topics, partition state, features. */
  metadata: MetadataSource;
  fetchSessions: FetchSessionCache;
  groups: GroupCoordinatorPort;
  /**
   * In a cluster: creates __consumer_offsets / __transaction_state on the first FindCoordinator
   * (src/cluster/coordinator-wiring.ts CoordinatorTopics); 0 once the topic exists, else the error
   * to answer. Undefined on one node, where both exist from the start.
   */
  coordinatorTopics?: { ensure(topic: string): Promise<number> };
  /** In a cluster: starts and cancels partition reassignments (AlterPartitionReassignments). Undefined on one node. */
  reassignments?: PartitionReassignmentsPort;
  producerIds: ProducerIdAllocator;
  /** In a cluster: ElectLeaders, made by the active controller. Undefined on one node, where every partition has its preferred leader. */
  leaderElections?: LeaderElections;
  transactions: TxnCoordinatorPort;
  metrics: BrokerMetrics;
  /** Every API this broker serves, with the version range it advertises (ApiVersions is built from it). */
  apiRanges(): Array<{ apiKey: number; minVersion: number; maxVersion: number }>;
  /** Dynamic broker configs and per-group configs: the only way to change configuration at run time. */
  dynamicConfigs: DynamicConfigs;
  /** In a cluster: brokers known but not alive, and UnregisterBroker (src/cluster/broker-registry.ts). Undefined on one node. */
  brokerRegistry?: BrokerRegistry;
  /** The broker's loggers and their levels (BROKER_LOGGER resources). */
  loggers: BrokerLoggers;
  /** Client quotas: their store and the managers that measure usage against them. */
  quotas: ClientQuotas;
  /** SCRAM credentials (salted keys only): the data directory on one node, etcd in a cluster, memory with storage 'memory'. */
  scram: ScramCredentialStore;
  /** ACL checks (src/ports/authorizer.ts); ALLOW_ALL when no authorizer.class.name is set. */
  authorizer: Authorizer;
  /**
   * The partition logs found at start-up, opened in the background after the broker listens:
   * until allOpen, requests that may touch a partition wait for whenOpen (src/server/dispatch.ts).
   * Undefined: every log is open.
   */
  storage?: { readonly allOpen: boolean; whenOpen(): Promise<void> };
  log: Logger;
}

export interface HandlerContext {
  apiVersion: number;
  header: RequestHeader;
  client: ClientInfo;
  broker: BrokerServices;
  log: Logger;
  /** The request's size on the wire (producer_byte_rate counts it). */
  requestBytes?: number;
  /** Set by a handler that throttles its client (quotas): the connection is not read for that long. */
  throttleMs?: number;
  /** Set by a handler serving another broker (a follower's Fetch): no request quota applies. */
  quotaExempt?: boolean;
  /**
   * Called by a handler once its effects are in place in request order (a Produce's batches have
   * their offsets) while its response still waits (for the write, an fsync or replicas): the
   * connection then starts its next request. Handlers that never call it are handled one at a time.
   */
  applied?: () => void;
}

/** Returned by a handler when the protocol says no response is sent (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export type HandlerResult<Res> = Res | typeof NO_RESPONSE;

export interface Handler<Req = any, Res = any> {
  apiKey: number;
  /** Versions served. */
  minVersion: number;
  maxVersion: number;
  /** Lowest version advertised in ApiVersions when it differs from minVersion (Produce v0, see compat trap 3). */
  advertisedMinVersion?: number;
  /** A remark for the README's API table (deviations a user should know). */
  note?: string;
  handle(req: Req, ctx: HandlerContext): HandlerResult<Res> | Promise<HandlerResult<Res>>;
}

/** A request's generated spec metadata (XRequestMeta): its API key and the versions protocol-specs/ define. */
export interface RequestSpec {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/**
 * A handler for the request `spec` describes, serving every version the spec defines unless the
 * handler narrows the range (minVersion / maxVersion), so the key and the versions are stated once.
 */
export function defineHandler<Req, Res>(spec: RequestSpec, h: Omit<Handler<Req, Res>, 'apiKey' | 'minVersion' | 'maxVersion'> & Partial<Pick<Handler, 'minVersion' | 'maxVersion'>>): Handler<Req, Res> {
  return { apiKey: spec.apiKey, minVersion: spec.minVersion, maxVersion: spec.maxVersion, ...h };
}
