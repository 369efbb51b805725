/**
 * Topic-partitions as values, and collections keyed by them, so that no module hand-builds joined
 * "topic\0partition" strings. A topic name cannot contain NUL (Kafka allows [a-zA-Z0-9._-]), so the
 * joined form is unambiguous where a flat string key is still needed (persisted formats).
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

const SEP = '\u0000';

/** The flat key of a topic-partition, "topic\0partition". */
export const tpKey = (topic: string, partition: number): string => `${topic}${SEP}${partition}`;

/** The inverse of tpKey. */
export function parseTpKey(key: string): TopicPartition {
  const i = key.lastIndexOf(SEP);
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/** A composite key of other parts (ids, names), NUL-joined like tpKey. */
export const joinKey = (...parts: Array<string | number | bigint>): string => parts.join(SEP);

/** A map keyed by topic-partition: per topic, per partition number (no string building per lookup). */
export class TopicPartitionMap<V> {
  private readonly byTopic = new Map<string, Map<number, V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(topic: string, partition: number): V | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  has(topic: string, partition: number): boolean {
    return this.byTopic.get(topic)?.has(partition) ?? false;
  }

  set(topic: string, partition: number, value: V): this {
    let parts = this.byTopic.get(topic);
    if (!parts) this.byTopic.set(topic, (parts = new Map()));
    if (!parts.has(partition)) this.count++;
    parts.set(partition, value);
    return this;
  }

  delete(topic: string, partition: number): boolean {
    const parts = this.byTopic.get(topic);
    if (!parts?.delete(partition)) return false;
    this.count--;
    if (parts.size === 0) this.byTopic.delete(topic);
    return true;
  }

  clear(): void {
    this.byTopic.clear();
    this.count = 0;
  }

  /** The partitions of one topic present in the map, in insertion order. */
  partitionsOf(topic: string): number[] {
    return [...(this.byTopic.get(topic)?.keys() ?? [])];
  }

  topics(): IterableIterator<string> {
    return this.byTopic.keys();
  }

  *entries(): IterableIterator<[TopicPartition, V]> {
    for (const [topic, parts] of this.byTopic) for (const [partition, v] of parts) yield [{ topic, partition }, v];
  }

  *keys(): IterableIterator<TopicPartition> {
    for (const [topic, parts] of this.byTopic) for (const partition of parts.keys()) yield { topic, partition };
  }

  *values(): IterableIterator<V> {
    for (const parts of this.byTopic.values()) yield* parts.values();
  }

  [Symbol.iterator](): IterableIterator<[TopicPartition, V]> {
    return this.entries();
  }
}

/** A set of topic-partitions. */
export class TopicPartitionSet implements Iterable<TopicPartition> {
  private readonly map = new TopicPartitionMap<true>();

  constructor(items?: Iterable<TopicPartition>) {
    if (items) for (const tp of items) this.add(tp.topic, tp.partition);
  }

  get size(): number {
    return this.map.size;
  }

  add(topic: string, partition: number): this {
    this.map.set(topic, partition, true);
    return this;
  }

  has(topic: string, partition: number): boolean {
    return this.map.has(topic, partition);
  }

  delete(topic: string, partition: number): boolean {
    return this.map.delete(topic, partition);
  }

  clear(): void {
    this.map.clear();
  }

  [Symbol.iterator](): IterableIterator<TopicPartition> {
    return this.map.keys();
  }
}
