/**
 * The metadata owner of a broker in a cluster (docs/cluster-design.md): the counterpart of the
 * single-node MetadataOwner (metadata-owner.ts) over the control state in etcd (EtcdControl).
 * Handlers read image() (this broker's view, kept by the watch) and ask for topic changes through
 * TopicCatalog; each change is one etcd transaction, and resolves once this broker's own image has
 * it, so that a CreateTopics answered here is visible to the next Metadata request here.
 *
 * Logs are not this owner's business: the replica manager creates and removes a broker's partition
 * logs as the image assigns replicas to it.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { EtcdControl } from './etcd/etcd-control.js';
import { assignNewPartitions, assignReplicas, assignmentError } from './etcd/placement.js';
import type { MetadataChange, MetadataDelta, MetadataImage, TopicImage } from './metadata-image.js';
import { TopicError, nameTaken, partitionIncreaseError, type TopicCatalog, type TopicInfo } from './topics.js';
import { randomTopicId } from './uuid.js';

export interface ClusterMetadataOwnerOptions {
  control: EtcdControl;
  /** default.replication.factor: the replica count of topics created without one. */
  defaultReplicationFactor: number;
  /** For placement's random start (tests fix it). */
  random?: () => number;
}

export class ClusterMetadataOwner implements TopicCatalog {
  private readonly control: EtcdControl;

  constructor(private readonly opts: ClusterMetadataOwnerOptions) {
    this.control = opts.control;
  }

  image(): MetadataImage {
    return this.control.image();
  }

  /**
   * The MetadataSource side: topic changes go to etcd like the TopicCatalog calls; this broker's
   * own registration is re-written (its endpoints, once its listener is bound); a partition change
   * is a compare-and-swap from the image's partition epoch. Other brokers' registrations and
   * features are not this broker's to change in a cluster.
   */
  async apply(delta: MetadataDelta): Promise<MetadataImage> {
    for (const c of delta) await this.applyOne(c);
    return this.control.image();
  }

  private async applyOne(c: MetadataChange): Promise<void> {
    switch (c.kind) {
      case 'registerBroker':
        if (c.broker.id !== this.control.brokerId) throw new Error(`broker ${this.control.brokerId} cannot register broker ${c.broker.id}`);
        return this.control.updateRegistration(c.broker);
      case 'createTopic':
        if ((await this.control.createTopic(c.name, c.id, c.configs, c.replicas)) === 'exists') throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${c.name}' already exists.`);
        return;
      case 'deleteTopic':
        await this.control.deleteTopic(c.name);
        return;
      case 'addPartitions':
        if ((await this.control.addPartitions(c.name, c.replicas)) === 'unknown') throw unknownTopic(c.name);
        return;
      case 'topicConfigs':
        if (!(await this.control.setTopicConfigs(c.name, c.configs))) throw unknownTopic(c.name);
        return;
      case 'changePartition': {
        const p = this.control.image().partition(c.topic, c.partition);
        if (!p) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown partition ${c.topic}-${c.partition}.`);
        if (c.replicas) throw new Error('reassigning replicas is not supported in a cluster');
        const res = await this.control.alterPartition(c.topic, c.partition, p.partitionEpoch, { leader: c.leader ?? p.leader, isr: c.isr ?? [...p.isr] });
        if (!res.ok) throw new Error(`partition ${c.topic}-${c.partition} change refused: ${res.reason}`);
        return;
      }
      case 'features':
        throw new Error('finalized features are fixed at start-up in a cluster');
    }
  }

  // ---------------------------------------------------------------- TopicCatalog

  list(): TopicImage[] {
    return this.image().topics();
  }

  get(name: string): TopicImage | undefined {
    return this.image().topic(name);
  }

  getById(id: string): TopicImage | undefined {
    return this.image().topicById(id);
  }

  collidesWith(name: string): TopicImage | undefined {
    return this.image().collidesWith(name);
  }

  private place(partitions: number, replicationFactor: number | undefined): number[][] {
    return assignReplicas(this.image().brokers(), partitions, replicationFactor ?? this.opts.defaultReplicationFactor, { random: this.opts.random });
  }

  private liveIds(): Set<number> {
    return new Set(this.image().brokers().map((b) => b.id));
  }

  async create(name: string, partitions: number, configs: Record<string, string> = {}, replicationFactor?: number): Promise<TopicInfo> {
    const existing = this.get(name);
    if (existing) return existing;
    await this.control.createTopic(name, randomTopicId(), configs, this.place(partitions, replicationFactor));
    // Created here or, in a race, by another broker: either way it is in the image now.
    return this.created(name);
  }

  async createNew(name: string, partitions: number, configs: Record<string, string> = {}, replicas?: number[][], replicationFactor?: number): Promise<TopicInfo> {
    const taken = nameTaken(this, name);
    if (taken) throw taken;
    if (replicas) {
      const bad = assignmentError(replicas, this.liveIds());
      if (bad) throw bad;
    }
    const outcome = await this.control.createTopic(name, randomTopicId(), configs, replicas ?? this.place(partitions, replicationFactor));
    if (outcome === 'exists') throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    return this.created(name);
  }

  private async created(name: string): Promise<TopicImage> {
    const t = this.get(name);
    if (t) return t;
    // The create lost a race to another broker's: wait for the watch to bring the winner.
    const deadline = Date.now() + this.control.timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const now = this.get(name);
      if (now) return now;
    }
    throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' was created elsewhere and deleted again.`);
  }

  async delete(name: string): Promise<TopicInfo | undefined> {
    const t = this.get(name);
    if (!t) return undefined;
    return (await this.control.deleteTopic(name)) ? t : undefined;
  }

  async setPartitions(name: string, count: number, replicas?: number[][]): Promise<TopicInfo> {
    const t = this.existing(name);
    const refused = partitionIncreaseError(t, count);
    if (refused) throw refused;
    const existing = t.partitionStates.map((p) => p.replicas);
    if (replicas) {
      if (replicas.length !== count - t.partitions)
        throw new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${replicas.length} replica lists for ${count - t.partitions} new partition(s) of ${name}.`);
      const bad = assignmentError(replicas, this.liveIds(), existing[0]?.length);
      if (bad) throw bad;
    }
    const lists = replicas ?? assignNewPartitions(this.image().brokers(), existing, count - t.partitions, this.opts.random);
    const outcome = await this.control.addPartitions(name, lists, t.partitions);
    if (outcome === 'unknown') throw unknownTopic(name);
    if (outcome === 'moved') throw new TopicError(ErrorCode.INVALID_PARTITIONS, `The partition count of ${name} changed while adding partitions; try again.`);
    return this.existing(name);
  }

  async setConfigs(name: string, configs: Record<string, string>): Promise<TopicInfo> {
    this.existing(name);
    if (!(await this.control.setTopicConfigs(name, { ...configs }))) throw unknownTopic(name);
    return this.existing(name);
  }

  private existing(name: string): TopicImage {
    const t = this.get(name);
    if (!t) throw unknownTopic(name);
    return t;
  }
}

function unknownTopic(name: string): TopicError {
  return new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
}
