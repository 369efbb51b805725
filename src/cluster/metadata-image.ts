/**
 * The cluster metadata image (in the spirit of Kafka's MetadataImage): one immutable snapshot of
 * the brokers, the topics with their partitions' replica assignment and state (leader, leader
 * epoch, ISR, partition epoch), and the finalized features. It never changes: a change is a list
 * of MetadataChange records (Kafka's MetadataDelta) applied to an image to give the next one, and
 * the owner (metadata-owner.ts) replaces its image as a whole. A reader that holds an image keeps
 * a consistent view however many changes happen after it took it.
 */
import { collisionKey, isInternalTopic } from './topic-names.js';
import type { TopicInfo } from './topics.js';
import type { BrokerFeatures } from './features.js';

export interface BrokerEndpoint {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerImage {
  readonly id: number;
  /** One per listener; the first is the one clients are told about. */
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
}

/**
 * Where other brokers (replica fetchers, marker senders) reach `broker`: its endpoint on the
 * inter-broker listener, or its first endpoint when that listener is not set or not one of its own.
 */
/**
 * The endpoint of `broker` a client on `listener` is told about: the one of the same listener name
 * (Kafka answers each client with the endpoints of the listener it came in on). Undefined when the
 * broker has no such listener; with no listener given, the first endpoint.
 */
export function clientEndpoint(broker: BrokerImage | undefined, listener: string | undefined): BrokerEndpoint | undefined {
  if (listener === undefined) return broker?.endpoints[0];
  return broker?.endpoints.find((e) => e.listener === listener);
}

export function interBrokerEndpoint(broker: BrokerImage | undefined, listener: string | undefined): BrokerEndpoint | undefined {
  return broker?.endpoints.find((e) => e.listener === listener) ?? broker?.endpoints[0];
}

export interface PartitionImage {
  readonly partition: number;
  /** The replica assignment, preferred leader first. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  /** Grows when leadership changes; fences clients and replicas that saw an older leader. */
  readonly leaderEpoch: number;
  /** Grows at every change of this partition's state. */
  readonly partitionEpoch: number;
  /** While a reassignment is in progress (then `replicas` is target ∪ current): the replicas being added and removed. */
  readonly addingReplicas?: readonly number[];
  readonly removingReplicas?: readonly number[];
}

/** A topic as handlers list it (TopicInfo), plus the state of each of its partitions. */
export interface TopicImage extends Readonly<TopicInfo> {
  readonly configs: Readonly<Record<string, string>>;
  readonly partitionStates: readonly PartitionImage[];
}

/** The state a partition starts in: led by the first replica, every replica in sync, epochs 0. */
export function newPartition(partition: number, replicas: readonly number[]): PartitionImage {
  return Object.freeze({ partition, replicas: Object.freeze([...replicas]), isr: Object.freeze([...replicas]), leader: replicas[0] ?? -1, leaderEpoch: 0, partitionEpoch: 0 });
}

export function topicImage(t: { name: string; id: string; configs: Record<string, string> }, partitionStates: readonly PartitionImage[]): TopicImage {
  return Object.freeze({
    name: t.name,
    id: t.id,
    partitions: partitionStates.length,
    configs: Object.freeze({ ...t.configs }),
    internal: isInternalTopic(t.name),
    partitionStates: Object.freeze([...partitionStates]),
  });
}

/** One change of a MetadataDelta (Kafka's metadata records, coarsened). */
export type MetadataChange =
  | { kind: 'registerBroker'; broker: BrokerImage }
  | { kind: 'createTopic'; name: string; id: string; configs: Record<string, string>; replicas: number[][] }
  | { kind: 'deleteTopic'; name: string }
  /** New partitions at the end of the topic, one replica list each. */
  | { kind: 'addPartitions'; name: string; replicas: number[][] }
  | { kind: 'topicConfigs'; name: string; configs: Record<string, string> }
  /**
   * Kafka's PartitionChangeRecord: a new leader (or bumpLeaderEpoch) raises the leader epoch; any
   * change raises the partition epoch.
   */
  | { kind: 'changePartition'; topic: string; partition: number; leader?: number; isr?: number[]; replicas?: number[]; bumpLeaderEpoch?: boolean }
  | { kind: 'features'; features: BrokerFeatures };

export type MetadataDelta = readonly MetadataChange[];

export class MetadataImage {
  private readonly byId: ReadonlyMap<string, TopicImage>;
  private readonly byCollisionKey: ReadonlyMap<string, TopicImage>;

  constructor(
    readonly clusterId: string,
    readonly controllerId: number,
    private readonly brokersById: ReadonlyMap<number, BrokerImage>,
    private readonly byName: ReadonlyMap<string, TopicImage>,
    readonly features: BrokerFeatures,
  ) {
    const byId = new Map<string, TopicImage>();
    const byKey = new Map<string, TopicImage>();
    for (const t of byName.values()) {
      byId.set(t.id, t);
      byKey.set(collisionKey(t.name), t);
    }
    this.byId = byId;
    this.byCollisionKey = byKey;
    Object.freeze(this);
  }

  brokers(): BrokerImage[] {
    return [...this.brokersById.values()];
  }

  broker(id: number): BrokerImage | undefined {
    return this.brokersById.get(id);
  }

  /**
   * The controller id told to clients. Every broker accepts admin requests here, so while no
   * controller is elected (or the elected one has not registered yet) this broker is named, as
   * KRaft brokers name an alive broker: -1 makes kafkajs' admin fail with "Broker -1 not found".
   */
  controllerForClients(selfId: number): number {
    if (this.brokersById.has(this.controllerId)) return this.controllerId;
    return this.brokersById.has(selfId) ? selfId : this.controllerId;
  }

  topics(): TopicImage[] {
    return [...this.byName.values()];
  }

  topic(name: string): TopicImage | undefined {
    return this.byName.get(name);
  }

  topicById(id: string): TopicImage | undefined {
    return this.byId.get(id);
  }

  /** The existing topic whose name differs only by '.' versus '_', if any. */
  collidesWith(name: string): TopicImage | undefined {
    const other = this.byCollisionKey.get(collisionKey(name));
    return other && other.name !== name ? other : undefined;
  }

  partition(topic: string, index: number): PartitionImage | undefined {
    return this.byName.get(topic)?.partitionStates[index];
  }

  /** The image with `delta` applied; this one is unchanged. Throws on a change that names nothing. */
  apply(delta: MetadataDelta): MetadataImage {
    if (delta.length === 0) return this;
    const brokers = new Map(this.brokersById);
    const topics = new Map(this.byName);
    let features = this.features;
    const existing = (name: string): TopicImage => {
      const t = topics.get(name);
      if (!t) throw new Error(`metadata delta names unknown topic ${name}`);
      return t;
    };
    for (const c of delta) {
      switch (c.kind) {
        case 'registerBroker':
          brokers.set(c.broker.id, Object.freeze({ id: c.broker.id, rack: c.broker.rack, endpoints: Object.freeze(c.broker.endpoints.map((e) => Object.freeze({ ...e }))) }));
          break;
        case 'createTopic':
          if (topics.has(c.name)) throw new Error(`metadata delta creates existing topic ${c.name}`);
          topics.set(c.name, topicImage(c, c.replicas.map((r, i) => newPartition(i, r))));
          break;
        case 'deleteTopic':
          existing(c.name);
          topics.delete(c.name);
          break;
        case 'addPartitions': {
          const t = existing(c.name);
          const added = c.replicas.map((r, i) => newPartition(t.partitions + i, r));
          topics.set(c.name, topicImage(t, [...t.partitionStates, ...added]));
          break;
        }
        case 'topicConfigs': {
          const t = existing(c.name);
          topics.set(c.name, topicImage({ ...t, configs: c.configs }, t.partitionStates));
          break;
        }
        case 'changePartition': {
          const t = existing(c.topic);
          const p = t.partitionStates[c.partition];
          if (!p) throw new Error(`metadata delta names unknown partition ${c.topic}-${c.partition}`);
          const leader = c.leader ?? p.leader;
          const next: PartitionImage = Object.freeze({
            partition: p.partition,
            replicas: Object.freeze([...(c.replicas ?? p.replicas)]),
            isr: Object.freeze([...(c.isr ?? p.isr)]),
            leader,
            leaderEpoch: leader !== p.leader || c.bumpLeaderEpoch ? p.leaderEpoch + 1 : p.leaderEpoch,
            partitionEpoch: p.partitionEpoch + 1,
          });
          const states = [...t.partitionStates];
          states[c.partition] = next;
          topics.set(c.topic, topicImage(t, states));
          break;
        }
        case 'features':
          features = c.features;
          break;
      }
    }
    return new MetadataImage(this.clusterId, this.controllerId, brokers, topics, features);
  }

  static empty(clusterId: string, controllerId: number, features: BrokerFeatures): MetadataImage {
    return new MetadataImage(clusterId, controllerId, new Map(), new Map(), features);
  }
}
