import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { isInternalTopic } from './topic-names.js';
import { newPartition, topicImage, type TopicImage } from './metadata-image.js';
import { ErrorCode } from '../protocol/errors.js';

export interface TopicInfo {
  name: string;
  /** Kafka Uuid, dashed hex; stable for the topic's life, new if it is deleted and recreated. */
  id: string;
  partitions: number;
  /** Per-topic config overrides (Kafka's topic-level keys, e.g. retention.ms). */
  configs: Record<string, string>;
  internal: boolean;
}

/** Why a topic change was refused, with the Kafka error code to answer. */
export class TopicError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

/** What handlers may ask of the topic catalogue. */
export interface TopicCatalog {
  list(): TopicInfo[];
  get(name: string): TopicInfo | undefined;
  getById(id: string): TopicInfo | undefined;
  /** The existing topic whose name differs only by '.' versus '_', if any. */
  collidesWith(name: string): TopicInfo | undefined;
  /**
   * Creates a topic, or returns the existing one of that name (auto-creation). In a cluster
   * `replicationFactor` is the replica count of each partition (default: the catalog's own,
   * default.replication.factor); a single node has one replica whatever it says.
   */
  create(name: string, partitions: number, configs?: Record<string, string>, replicationFactor?: number): Promise<TopicInfo>;
  /**
   * Creates a topic that must be new: rejects with a TopicError (TOPIC_ALREADY_EXISTS, or
   * INVALID_TOPIC_EXCEPTION for a '.'/'_' collision) when the name is taken by the time it runs.
   * `replicas` is the replica list of each partition (default: this node alone; in a cluster,
   * placed over the live brokers with `replicationFactor` replicas each).
   */
  createNew(name: string, partitions: number, configs?: Record<string, string>, replicas?: number[][], replicationFactor?: number): Promise<TopicInfo>;
  /** Deletes a topic and its data; undefined when there is no such topic. */
  delete(name: string): Promise<TopicInfo | undefined>;
  /** Raises the partition count (TopicError INVALID_PARTITIONS unless it grows, UNKNOWN_TOPIC_OR_PARTITION). */
  setPartitions(name: string, count: number, replicas?: number[][]): Promise<TopicInfo>;
  /** Replaces the topic's config overrides (TopicError UNKNOWN_TOPIC_OR_PARTITION). */
  setConfigs(name: string, configs: Record<string, string>): Promise<TopicInfo>;
}

/** Kafka's refusal of a partition count that is not an increase, if it is not. */
export function partitionIncreaseError(t: TopicInfo, count: number): TopicError | undefined {
  if (count === t.partitions) return new TopicError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitions} partition(s).`);
  if (count < t.partitions)
    return new TopicError(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${t.partitions} partition(s); ${count} would not be an increase.`);
  return undefined;
}

/** Kafka's refusal of a new topic whose name is taken or collides, if it is. */
export function nameTaken(catalog: Pick<TopicCatalog, 'get' | 'collidesWith'>, name: string): TopicError | undefined {
  if (catalog.get(name)) return new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  const other = catalog.collidesWith(name);
  if (other) return new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${other.name}`);
  return undefined;
}

/** A partition's state as topics.json keeps it when it is not the initial one (see newPartition). */
interface StoredPartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
}

/**
 * One topic in topics.json. `replicas` (one list per partition) and `states` (by partition index)
 * were added after the first release and are written only when they differ from what their
 * absence means: every partition on this node alone, led by it in epoch 0. A file of an earlier
 * release therefore opens unchanged, and a single node keeps writing the same file as before.
 */
interface StoredTopic {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
  replicas?: number[][];
  states?: Record<string, StoredPartitionState>;
}

interface StoredTopics {
  version: 1;
  topics: StoredTopic[];
}

/**
 * The persistence below the metadata owner (metadata-owner.ts): the topics of the metadata image,
 * with their replica assignment and partition state, in topics.json in the data directory, written
 * crash-safely (write, fsync, rename, fsync the directory) before a change is acknowledged.
 */
export class TopicRegistry {
  private stored: StoredTopic[] = [];
  private byName = new Map<string, StoredTopic>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(private readonly path: string | undefined) {}

  /** A registry kept in memory only (a broker with storage: 'memory'). */
  static inMemory(): TopicRegistry {
    return new TopicRegistry(undefined);
  }

  static async open(dir: string): Promise<TopicRegistry> {
    const reg = new TopicRegistry(join(dir, 'topics.json'));
    let text: string | undefined;
    try {
      text = await readFile(join(dir, 'topics.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) reg.keep((JSON.parse(text) as StoredTopics).topics);
    return reg;
  }

  private keep(topics: StoredTopic[]): void {
    this.stored = topics;
    this.byName = new Map(topics.map((t) => [t.name, t]));
  }

  /** The topics as last loaded or saved. */
  list(): TopicInfo[] {
    return this.stored.map(({ name, id, partitions, configs }) => ({ name, id, partitions, configs, internal: isInternalTopic(name) }));
  }

  get(name: string): TopicInfo | undefined {
    const t = this.byName.get(name);
    return t && { name: t.name, id: t.id, partitions: t.partitions, configs: t.configs, internal: isInternalTopic(t.name) };
  }

  /** The stored topics as image topics; `nodeId` is the replica of partitions without an assignment. */
  images(nodeId: number): TopicImage[] {
    return this.stored.map((t) => {
      if (t.replicas !== undefined && t.replicas.length !== t.partitions)
        throw new Error(`${this.path}: topic ${t.name} has ${t.partitions} partitions but ${t.replicas.length} replica lists`);
      const states = Array.from({ length: t.partitions }, (_, i) => {
        const initial = newPartition(i, t.replicas?.[i] ?? [nodeId]);
        const s = t.states?.[String(i)];
        return s ? Object.freeze({ ...initial, leader: s.leader, leaderEpoch: s.leaderEpoch, isr: Object.freeze([...s.isr]), partitionEpoch: s.partitionEpoch }) : initial;
      });
      return topicImage(t, states);
    });
  }

  /** Writes are chained so that the file always reflects the latest state, in order. */
  save(topics: readonly TopicImage[], nodeId: number): Promise<void> {
    this.keep(topics.map((t) => stored(t, nodeId)));
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    const snapshot: StoredTopics = { version: 1, topics: this.stored };
    const next = this.writes.then(() => writeFileAtomic(path, JSON.stringify(snapshot, null, 1)));
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function stored(t: TopicImage, nodeId: number): StoredTopic {
  const out: StoredTopic = { name: t.name, id: t.id, partitions: t.partitions, configs: { ...t.configs } };
  const local = t.partitionStates.every((p) => p.replicas.length === 1 && p.replicas[0] === nodeId);
  if (!local) out.replicas = t.partitionStates.map((p) => [...p.replicas]);
  for (const p of t.partitionStates) {
    const initial = newPartition(p.partition, p.replicas);
    const same = p.leader === initial.leader && p.leaderEpoch === 0 && p.partitionEpoch === 0 && p.isr.join() === initial.isr.join();
    if (same) continue;
    out.states ??= {};
    out.states[String(p.partition)] = { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: [...p.isr], partitionEpoch: p.partitionEpoch };
  }
  return out;
}
