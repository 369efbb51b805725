/**
 * The one owner of the cluster metadata image (metadata-image.ts). Every change goes through
 * apply(delta): changes run one at a time, are persisted (topics.json through TopicRegistry, the
 * partition logs through BrokerLogs), and then the image is replaced as a whole. Handlers read
 * image(); the TopicCatalog methods are the topic changes handlers and coordinators ask for, each
 * turned into a delta.
 *
 * Ordering against the disk, so that a crash leaves something the next start repairs: a topic is
 * recorded first and its logs created second (missing logs are created at the next start); new
 * partitions get their logs first and are recorded second (directories beyond the recorded count
 * are removed at the next start); a deleted topic is unrecorded first and its directories removed
 * second (directories of unknown topics are removed at the next start). A leader epoch is recorded
 * in topics.json and then in the partition's leader-epoch-checkpoint.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerLogs } from '../storage/log-store.js';
import type { BrokerFeatures } from './features.js';
import { MetadataImage, type BrokerImage, type MetadataDelta, type TopicImage } from './metadata-image.js';
import { TopicError, nameTaken, partitionIncreaseError, type TopicCatalog, type TopicInfo, type TopicRegistry } from './topics.js';
import { randomTopicId } from './uuid.js';

export interface MetadataOwnerOptions {
  clusterId: string;
  /** This node: the controller, and the replica of partitions created without an assignment. */
  nodeId: number;
  broker: BrokerImage;
  features: BrokerFeatures;
  registry: TopicRegistry;
  logs: BrokerLogs;
}

export class MetadataOwner implements TopicCatalog {
  private current: MetadataImage;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly nodeId: number;
  private readonly registry: TopicRegistry;
  private readonly logs: BrokerLogs;

  /** Builds the first image from topics.json and brings the partition logs' leader epochs in line with it. */
  static async open(opts: MetadataOwnerOptions): Promise<MetadataOwner> {
    const owner = new MetadataOwner(opts);
    // Partitions still opening in the background get their epoch once they are open.
    await owner.logs.whenOpen(owner.current.topics().filter((t) => t.partitionStates.some((p) => p.leaderEpoch !== 0)).map((t) => t.name));
    for (const t of owner.current.topics())
      for (const p of t.partitionStates) if (p.leaderEpoch !== 0) await owner.logs.partition(t.name, p.partition)?.assignLeaderEpoch(p.leaderEpoch);
    return owner;
  }

  private constructor(opts: MetadataOwnerOptions) {
    this.nodeId = opts.nodeId;
    this.registry = opts.registry;
    this.logs = opts.logs;
    const topics = opts.registry.images(opts.nodeId);
    const stored = new MetadataImage(opts.clusterId, opts.nodeId, new Map(), new Map(topics.map((t) => [t.name, t])), opts.features);
    this.current = stored.apply([{ kind: 'registerBroker', broker: opts.broker }]);
  }

  image(): MetadataImage {
    return this.current;
  }

  /** Applies `delta` after every change queued before it; resolves with the image that has it. */
  apply(delta: MetadataDelta): Promise<MetadataImage> {
    return this.exclusive(() => this.applyNow(delta));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(delta: MetadataDelta): Promise<MetadataImage> {
    const before = this.current;
    const next = before.apply(delta);
    const grown = new Set<string>();
    const created = new Set<string>();
    const deleted = new Set<string>();
    const epochs: Array<{ topic: string; partition: number }> = [];
    let topicsChanged = false;
    for (const c of delta) {
      if (c.kind === 'addPartitions') grown.add(c.name);
      else if (c.kind === 'createTopic') created.add(c.name);
      else if (c.kind === 'deleteTopic') deleted.add(c.name);
      else if (c.kind === 'changePartition') epochs.push({ topic: c.topic, partition: c.partition });
      topicsChanged ||= c.kind !== 'registerBroker' && c.kind !== 'features';
    }
    for (const name of grown) if (!created.has(name) && next.topic(name)) await this.logs.ensureTopic(next.topic(name)!);
    if (topicsChanged) await this.registry.save(next.topics(), this.nodeId);
    // Recorded: the image has it even if creating or removing the logs below fails (the next start repairs that).
    this.current = next;
    for (const name of created) if (next.topic(name)) await this.logs.ensureTopic(next.topic(name)!);
    for (const name of deleted) if (!next.topic(name)) await this.logs.deleteTopic(name);
    for (const { topic, partition } of epochs) {
      const p = next.partition(topic, partition);
      if (p && p.leaderEpoch !== before.partition(topic, partition)?.leaderEpoch) await this.logs.partition(topic, partition)?.assignLeaderEpoch(p.leaderEpoch);
    }
    return next;
  }

  // ---------------------------------------------------------------- TopicCatalog

  list(): TopicImage[] {
    return this.current.topics();
  }

  get(name: string): TopicImage | undefined {
    return this.current.topic(name);
  }

  getById(id: string): TopicImage | undefined {
    return this.current.topicById(id);
  }

  collidesWith(name: string): TopicImage | undefined {
    return this.current.collidesWith(name);
  }

  /** Every partition on this node alone: the assignment when none is given. */
  private local(count: number): number[][] {
    return Array.from({ length: count }, () => [this.nodeId]);
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    return this.exclusive(async () => {
      const existing = this.current.topic(name);
      if (existing) return existing;
      return this.createNow(name, configs, this.local(partitions));
    });
  }

  createNew(name: string, partitions: number, configs: Record<string, string> = {}, replicas?: number[][]): Promise<TopicInfo> {
    return this.exclusive(async () => {
      const taken = nameTaken(this, name);
      if (taken) throw taken;
      return this.createNow(name, configs, replicas ?? this.local(partitions));
    });
  }

  private async createNow(name: string, configs: Record<string, string>, replicas: number[][]): Promise<TopicImage> {
    const image = await this.applyNow([{ kind: 'createTopic', name, id: randomTopicId(), configs, replicas }]);
    return image.topic(name)!;
  }

  delete(name: string): Promise<TopicInfo | undefined> {
    return this.exclusive(async () => {
      const t = this.current.topic(name);
      if (!t) return undefined;
      await this.applyNow([{ kind: 'deleteTopic', name }]);
      return t;
    });
  }

  setPartitions(name: string, count: number, replicas?: number[][]): Promise<TopicInfo> {
    return this.exclusive(async () => {
      const t = this.existing(name);
      const refused = partitionIncreaseError(t, count);
      if (refused) throw refused;
      if (replicas && replicas.length !== count - t.partitions)
        throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${replicas.length} replica lists for ${count - t.partitions} new partition(s) of ${name}.`);
      const image = await this.applyNow([{ kind: 'addPartitions', name, replicas: replicas ?? this.local(count - t.partitions) }]);
      return image.topic(name)!;
    });
  }

  setConfigs(name: string, configs: Record<string, string>): Promise<TopicInfo> {
    return this.exclusive(async () => {
      this.existing(name);
      const image = await this.applyNow([{ kind: 'topicConfigs', name, configs: { ...configs } }]);
      return image.topic(name)!;
    });
  }

  private existing(name: string): TopicImage {
    const t = this.current.topic(name);
    if (!t) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    return t;
  }
}
