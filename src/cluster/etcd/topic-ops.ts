/**
 * Topic changes in etcd, each one transaction (any broker may make them; the controller needs no
 * part in it): a topic is created with its assignment and every partition's initial state at
 * once, deleted with its partitions' states at once, grown and reconfigured by compare-and-swap
 * on its key. Every change resolves once this broker's own image has it.
 */
import type { Etcd3 } from 'etcd3';
import type { MetadataImage } from '../metadata-image.js';
import { within } from './client.js';
import type { ControlState } from './control-state.js';
import { initialPartition, parseTopic, type KeyLayout, type StoredTopic } from './keys.js';

const MAX_ATTEMPTS = 20;
/**
 * Puts per transaction: etcd refuses a transaction of more than --max-txn-ops operations (128 by
 * default), so the partition states of a large topic follow its key in several transactions.
 */
const PUTS_PER_TXN = 100;

export abstract class TopicOps {
  abstract readonly client: Etcd3;
  abstract readonly keys: KeyLayout;
  abstract readonly state: ControlState;
  abstract readonly timeoutMs: number;
  abstract image(): MetadataImage;
  abstract caughtUp(revision: number): Promise<void>;

  private alive(): (id: number) => boolean {
    const image = this.image();
    return (id) => image.broker(id) !== undefined;
  }

  /** 'exists' when the name is taken (by whatever topic id). */
  async createTopic(name: string, id: string, configs: Record<string, string>, replicas: number[][]): Promise<'created' | 'exists'> {
    const key = this.keys.topic(name);
    const alive = this.alive();
    const topic: StoredTopic = { id, configs: { ...configs }, replicas: replicas.map((r) => [...r]) };
    const puts = replicas.map((r, i) => this.client.put(this.keys.partition(name, i)).value(JSON.stringify(initialPartition(r, alive))));
    const first = puts.slice(0, PUTS_PER_TXN - 1);
    const res = await this.client
      .if(key, 'Create', '==', 0)
      .then(this.client.put(key).value(JSON.stringify(topic)), ...first)
      .options(within(this.timeoutMs))
      .commit();
    if (!res.succeeded) return 'exists';
    let revision = Number(res.header.revision);
    // The rest only while the key is still the one just created (not deleted or recreated meanwhile).
    // A partition whose state is not written yet reads as offline until it is.
    for (let i = first.length; i < puts.length; i += PUTS_PER_TXN) {
      const more = await this.client
        .if(key, 'Create', '==', revision)
        .then(...puts.slice(i, i + PUTS_PER_TXN))
        .options(within(this.timeoutMs))
        .commit();
      if (!more.succeeded) break;
    }
    revision = Number((await this.client.get(key).options(within(this.timeoutMs)).exec()).header.revision);
    await this.caughtUp(revision);
    return 'created';
  }

  /** False when there is no such topic. */
  async deleteTopic(name: string): Promise<boolean> {
    const key = this.keys.topic(name);
    const res = await this.client
      .if(key, 'Create', '>', 0)
      .then(this.client.delete().key(key), this.client.delete().prefix(this.keys.partitions(name)))
      .options(within(this.timeoutMs))
      .commit();
    if (!res.succeeded) return false;
    await this.caughtUp(Number(res.header.revision));
    return true;
  }

  /**
   * Appends partitions with these replica lists; 'unknown' when there is no such topic, 'moved'
   * when `fromCount` is given and the topic no longer has that many partitions (a concurrent change).
   */
  async addPartitions(name: string, replicas: number[][], fromCount?: number): Promise<'added' | 'unknown' | 'moved'> {
    const alive = this.alive();
    let moved = false;
    const done = await this.updateTopic(name, (t) => {
      if (fromCount !== undefined && t.replicas.length !== fromCount) {
        moved = true;
        return undefined;
      }
      return {
        topic: { ...t, replicas: [...t.replicas, ...replicas] },
        extra: replicas.map((r, i) => this.client.put(this.keys.partition(name, t.replicas.length + i)).value(JSON.stringify(initialPartition(r, alive)))),
      };
    });
    return moved ? 'moved' : done ? 'added' : 'unknown';
  }

  /** Replaces the topic's config overrides; false when there is no such topic. */
  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<boolean> {
    return this.updateTopic(name, (t) => ({ topic: { ...t, configs: { ...configs } }, extra: [] }));
  }

  /** False when there is no such topic or `change` declines (undefined). */
  private async updateTopic(name: string, change: (t: StoredTopic) => { topic: StoredTopic; extra: ReturnType<Etcd3['put']>[] } | undefined): Promise<boolean> {
    const key = this.keys.topic(name);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const got = await this.client.get(key).options(within(this.timeoutMs)).exec();
      const kv = got.kvs[0];
      const t = kv && parseTopic(kv.value.toString());
      if (!kv || !t) return false;
      const next = change(t);
      if (!next) return false;
      const { topic, extra } = next;
      const res = await this.client
        .if(key, 'Mod', '==', Number(kv.mod_revision))
        .then(this.client.put(key).value(JSON.stringify(topic)), ...extra)
        .options(within(this.timeoutMs))
        .commit();
      if (res.succeeded) {
        await this.caughtUp(Number(res.header.revision));
        return true;
      }
    }
    throw new Error(`topic ${name}: compare-and-swap still conflicting after ${MAX_ATTEMPTS} attempts`);
  }
}
