import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { collisionKey, isInternalTopic } from './topic-names.js';
import { randomTopicId } from './uuid.js';

export interface TopicInfo {
  name: string;
  /** Kafka Uuid, dashed hex; stable for the topic's life, new if it is deleted and recreated. */
  id: string;
  partitions: number;
  /** Per-topic config overrides (Kafka's topic-level keys, e.g. retention.ms). */
  configs: Record<string, string>;
  internal: boolean;
}

/** What handlers may ask of the topic catalogue. */
export interface TopicCatalog {
  list(): TopicInfo[];
  get(name: string): TopicInfo | undefined;
  getById(id: string): TopicInfo | undefined;
  /** The existing topic whose name differs only by '.' versus '_', if any. */
  collidesWith(name: string): TopicInfo | undefined;
  create(name: string, partitions: number, configs?: Record<string, string>): Promise<TopicInfo>;
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

  private constructor(private readonly path: string) {}

  static async open(dir: string): Promise<TopicRegistry> {
    const reg = new TopicRegistry(join(dir, 'topics.json'));
    let text: string | undefined;
    try {
      text = await readFile(reg.path, 'utf8');
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

  async delete(name: string): Promise<TopicInfo | undefined> {
    const t = this.byName.get(name);
    if (!t) return undefined;
    this.byName.delete(name);
    this.byId.delete(t.id);
    this.byCollisionKey.delete(collisionKey(name));
    await this.persist();
    return t;
  }

  /** Writes are chained so that the file always reflects the latest state, in order. */
  private persist(): Promise<void> {
    const snapshot: StoredTopics = {
      version: 1,
      topics: this.list().map(({ name, id, partitions, configs }) => ({ name, id, partitions, configs })),
    };
    const next = this.writes.then(() => writeFileAtomic(this.path, JSON.stringify(snapshot, null, 1)));
    this.writes = next.catch(() => undefined);
    return next;
  }
}
