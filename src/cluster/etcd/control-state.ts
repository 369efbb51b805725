/**
 * What a broker has seen of the control state: every key under the prefix with its value and
 * revisions, kept from a snapshot and then the watch, and the MetadataImage built from it. The
 * image is rebuilt as a whole after each batch of changes (a watch response is one etcd revision
 * or a run of them), so readers never see half of a transaction.
 */
import type { BrokerFeatures } from '../features.js';
import { MetadataImage, topicImage, type BrokerImage, type PartitionImage, type TopicImage } from '../metadata-image.js';
import { partitionImage } from './partition-cas.js';
import { KeyLayout, parseBroker, parseController, parsePartition, parseTopic, type StoredBroker, type StoredPartition, type StoredTopic } from './keys.js';

export interface StoredKey {
  value: string;
  modRevision: number;
  createRevision: number;
  lease: string;
}

export class ControlState {
  private readonly kv = new Map<string, StoredKey>();
  /** The etcd revision this state is complete up to. */
  revision = 0;

  constructor(
    readonly keys: KeyLayout,
    private readonly onBadValue: (key: string) => void = () => {},
  ) {}

  get(key: string): StoredKey | undefined {
    return this.kv.get(key);
  }

  /**
   * The keys under `prefix` (a module's own keys under P/, which the image does not read: configs,
   * election requests), as a snapshot: callers await between entries while the watch changes the map.
   */
  under(prefix: string): Array<[string, StoredKey]> {
    return [...this.kv].filter(([k]) => k.startsWith(prefix));
  }

  reset(entries: Iterable<[string, StoredKey]>, revision: number): void {
    this.kv.clear();
    for (const [k, v] of entries) this.kv.set(k, v);
    this.revision = revision;
  }

  put(key: string, v: StoredKey): void {
    this.kv.set(key, v);
    if (v.modRevision > this.revision) this.revision = v.modRevision;
  }

  delete(key: string, revision: number): void {
    this.kv.delete(key);
    if (revision > this.revision) this.revision = revision;
  }

  /** Ids of the brokers being shut down (controlled shutdown requested). */
  shuttingDown(): Set<number> {
    const out = new Set<number>();
    for (const k of this.kv.keys()) {
      const p = this.keys.parse(k);
      if (p?.kind === 'shutdown') out.add(p.id);
    }
    return out;
  }

  /** The registration of broker `id`, with the revision its key was created at (Kafka's broker epoch). */
  registration(id: number): { broker: StoredBroker; createRevision: number; lease: string } | undefined {
    const s = this.kv.get(this.keys.broker(id));
    const broker = s && parseBroker(s.value);
    return broker && s ? { broker, createRevision: s.createRevision, lease: s.lease } : undefined;
  }

  image(features: BrokerFeatures): MetadataImage {
    const brokers = new Map<number, BrokerImage>();
    const topics = new Map<string, StoredTopic>();
    const partitions = new Map<string, Map<number, StoredPartition>>();
    let clusterId = '';
    let controllerId = -1;
    for (const [key, { value }] of this.kv) {
      const p = this.keys.parse(key);
      if (!p) continue;
      switch (p.kind) {
        case 'cluster_id':
          clusterId = value;
          break;
        case 'controller': {
          const c = parseController(value);
          if (c) controllerId = c.brokerId;
          else this.onBadValue(key);
          break;
        }
        case 'brokers': {
          const b = parseBroker(value);
          if (b && b.id === p.id) brokers.set(b.id, Object.freeze({ id: b.id, rack: b.rack, endpoints: Object.freeze(b.endpoints.map((e) => Object.freeze({ ...e }))) }));
          else this.onBadValue(key);
          break;
        }
        case 'topics': {
          const t = parseTopic(value);
          if (t) topics.set(p.name, t);
          else this.onBadValue(key);
          break;
        }
        case 'partitions': {
          const s = parsePartition(value);
          if (!s) {
            this.onBadValue(key);
            break;
          }
          let m = partitions.get(p.name);
          if (!m) partitions.set(p.name, (m = new Map()));
          m.set(p.index, s);
          break;
        }
        default:
          break;
      }
    }
    const images = new Map<string, TopicImage>();
    for (const [name, t] of topics) {
      const states = t.replicas.map((replicas, i): PartitionImage => {
        // A partition without its state key (never written by this code) reads as offline.
        const s = partitions.get(name)?.get(i) ?? { leader: -1, leaderEpoch: 0, isr: [...replicas], partitionEpoch: 0 };
        return partitionImage(i, replicas, s);
      });
      images.set(name, topicImage({ name, id: t.id, configs: t.configs }, states));
    }
    return new MetadataImage(clusterId, controllerId, brokers, images, features);
  }
}
