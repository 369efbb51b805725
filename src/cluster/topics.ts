import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { collisionKey, isInternalTopic } from './topic-names.js';
import { randomTopicId } from './uuid.js';
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
  /** Creates a topic, or returns the existing one of that name (auto-creation). */
  create(name: string, partitions: number, configs?: Record<string, string>): Promise<TopicInfo>;
  /**
   * Creates a topic that must be new: rejects with a TopicError (TOPIC_ALREADY_EXISTS, or
   * INVALID_TOPIC_EXCEPTION for a '.'/'_' collision) when the name is taken by the time it runs.
   */
  createNew(name: string, partitions: number, configs?: Record<string, string>): Promise<TopicInfo>;
  /** Deletes a topic and its data; undefined when there is no such topic. */
  delete(name: string): Promise<TopicInfo | undefined>;
  /** Raises the partition count (TopicError INVALID_PARTITIONS unless it grows, UNKNOWN_TOPIC_OR_PARTITION). */
  setPartitions(name: string, count: number): Promise<TopicInfo>;
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

interface StoredTopics {
  version: 1;
  topics: Array<Omit<TopicInfo, 'internal'>>;
}

/**
 * Topics of this broker, kept in memory and persisted to topics.json in the data directory
 * crash-safely (write, fsync, rename, fsync the directory) before a creation is acknowledged.
 */
export class TopicRegistry implements TopicCatalog {
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();
  private readonly byCollisionKey = new Map<string, TopicInfo>();
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
    if (text !== undefined) {
      const stored = JSON.parse(text) as StoredTopics;
      for (const t of stored.topics) reg.index({ ...t, internal: isInternalTopic(t.name) });
    }
    return reg;
  }

  private index(t: TopicInfo): void {
    this.byName.set(t.name, t);
    this.byId.set(t.id, t);
    this.byCollisionKey.set(collisionKey(t.name), t);
  }

  list(): TopicInfo[] {
    return [...this.byName.values()];
  }

  get(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }

  getById(id: string): TopicInfo | undefined {
    return this.byId.get(id);
  }

  collidesWith(name: string): TopicInfo | undefined {
    const other = this.byCollisionKey.get(collisionKey(name));
    return other && other.name !== name ? other : undefined;
  }

  /** Creates a topic, or returns the existing one of that name. Resolves once it is on disk. */
  async create(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    const existing = this.byName.get(name);
    if (existing) return existing;
    const topic: TopicInfo = { name, id: randomTopicId(), partitions, configs, internal: isInternalTopic(name) };
    this.index(topic);
    await this.persist();
    return topic;
  }

  async createNew(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    const taken = nameTaken(this, name);
    if (taken) throw taken;
    return this.create(name, partitions, configs);
  }

  async delete(name: string): Promise<TopicInfo | undefined> {
    const t = this.byName.get(name);
    if (!t) return undefined;
    this.byName.delete(name);
    this.byId.delete(t.id);
    this.byCollisionKey.delete(collisionKey(name));
    await this.persist();
    return t;
  }

  async setPartitions(name: string, count: number): Promise<TopicInfo> {
    const t = this.existing(name);
    const refused = partitionIncreaseError(t, count);
    if (refused) throw refused;
    return this.replace({ ...t, partitions: count });
  }

  async setConfigs(name: string, configs: Record<string, string>): Promise<TopicInfo> {
    return this.replace({ ...this.existing(name), configs: { ...configs } });
  }

  private existing(name: string): TopicInfo {
    const t = this.byName.get(name);
    if (!t) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    return t;
  }

  /** Swaps in a changed copy (readers holding the old object keep a consistent snapshot) and persists. */
  private async replace(t: TopicInfo): Promise<TopicInfo> {
    this.index(t);
    await this.persist();
    return t;
  }

  /** Writes are chained so that the file always reflects the latest state, in order. */
  private persist(): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    const snapshot: StoredTopics = {
      version: 1,
      topics: this.list().map(({ name, id, partitions, configs }) => ({ name, id, partitions, configs })),
    };
    const next = this.writes.then(() => writeFileAtomic(path, JSON.stringify(snapshot, null, 1)));
    this.writes = next.catch(() => undefined);
    return next;
  }
}
