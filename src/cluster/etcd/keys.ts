/**
 * The control state's key layout under the cluster prefix P (docs/cluster-design.md) and the JSON
 * values kept there. Values are parsed defensively: a key another (newer or broken) writer left in
 * a shape this broker does not understand is ignored with a log line, never a crash.
 */
import type { BrokerEndpoint } from '../metadata-image.js';

export interface StoredBroker {
  id: number;
  endpoints: BrokerEndpoint[];
  rack: string | null;
  /** New at every registration, so that a broker that came back is told from the one that left. */
  incarnation: string;
}

export interface StoredTopic {
  id: string;
  configs: Record<string, string>;
  replicas: number[][];
}

export interface StoredPartition {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
  /**
   * Set once the partition has been reassigned (reassignment.ts): its replica set, which then
   * overrides the topic key's assignment; while a move is in progress, target ∪ current with the
   * replicas being added and removed named below (Kafka's PartitionRegistration fields).
   */
  replicas?: number[];
  addingReplicas?: number[];
  removingReplicas?: number[];
}

export interface StoredController {
  brokerId: number;
  epoch: number;
}

export class KeyLayout {
  /** The prefix without a trailing '/'. */
  readonly root: string;

  constructor(prefix: string) {
    this.root = prefix.replace(/\/+$/, '');
  }

  get all(): string {
    return `${this.root}/`;
  }
  get clusterId(): string {
    return `${this.root}/cluster_id`;
  }
  get controller(): string {
    return `${this.root}/controller`;
  }
  get controllerEpoch(): string {
    return `${this.root}/controller_epoch`;
  }
  get producerIds(): string {
    return `${this.root}/producer_ids`;
  }
  get brokers(): string {
    return `${this.root}/brokers/`;
  }
  broker(id: number): string {
    return `${this.root}/brokers/${id}`;
  }
  topic(name: string): string {
    return `${this.root}/topics/${name}`;
  }
  partitions(name: string): string {
    return `${this.root}/partitions/${name}/`;
  }
  partition(name: string, index: number): string {
    return `${this.root}/partitions/${name}/${index}`;
  }
  get shutdowns(): string {
    return `${this.root}/shutdown/`;
  }
  shutdown(id: number): string {
    return `${this.root}/shutdown/${id}`;
  }

  /** What a key under the prefix names, or undefined for keys of no interest. */
  parse(key: string): ParsedKey | undefined {
    if (!key.startsWith(this.all)) return undefined;
    const parts = key.slice(this.all.length).split('/');
    switch (parts[0]) {
      case 'cluster_id':
      case 'controller':
      case 'controller_epoch':
      case 'producer_ids':
        return parts.length === 1 ? { kind: parts[0] } : undefined;
      case 'brokers':
      case 'shutdown': {
        const id = Number(parts[1]);
        return parts.length === 2 && Number.isInteger(id) ? { kind: parts[0], id } : undefined;
      }
      case 'topics':
        return parts.length === 2 && parts[1] !== '' ? { kind: 'topics', name: parts[1] } : undefined;
      case 'partitions': {
        const index = Number(parts[2]);
        return parts.length === 3 && parts[1] !== '' && Number.isInteger(index) && index >= 0 ? { kind: 'partitions', name: parts[1], index } : undefined;
      }
      default:
        return undefined;
    }
  }
}

export type ParsedKey =
  | { kind: 'cluster_id' | 'controller' | 'controller_epoch' | 'producer_ids' }
  | { kind: 'brokers' | 'shutdown'; id: number }
  | { kind: 'topics'; name: string }
  | { kind: 'partitions'; name: string; index: number };

const isInt = (v: unknown): v is number => Number.isInteger(v);
const isIntList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseBroker(text: string): StoredBroker | undefined {
  const v = json(text) as Partial<StoredBroker> | undefined;
  if (!v || !isInt(v.id) || !Array.isArray(v.endpoints)) return undefined;
  const endpoints = v.endpoints.filter((e) => e && typeof e.host === 'string' && isInt(e.port) && typeof e.listener === 'string');
  return { id: v.id, endpoints, rack: typeof v.rack === 'string' ? v.rack : null, incarnation: String(v.incarnation ?? '') };
}

export function parseTopic(text: string): StoredTopic | undefined {
  const v = json(text) as Partial<StoredTopic> | undefined;
  if (!v || typeof v.id !== 'string' || !Array.isArray(v.replicas) || !v.replicas.every(isIntList)) return undefined;
  const configs: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.configs ?? {})) if (typeof val === 'string') configs[k] = val;
  return { id: v.id, configs, replicas: v.replicas };
}

export function parsePartition(text: string): StoredPartition | undefined {
  const v = json(text) as Partial<StoredPartition> | undefined;
  if (!v || !isInt(v.leader) || !isInt(v.leaderEpoch) || !isIntList(v.isr) || !isInt(v.partitionEpoch)) return undefined;
  const out: StoredPartition = { leader: v.leader, leaderEpoch: v.leaderEpoch, isr: v.isr, partitionEpoch: v.partitionEpoch };
  if (v.replicas !== undefined) {
    if (!isIntList(v.replicas) || v.replicas.length === 0) return undefined;
    out.replicas = v.replicas;
    if (isIntList(v.addingReplicas) && v.addingReplicas.length > 0) out.addingReplicas = v.addingReplicas;
    if (isIntList(v.removingReplicas) && v.removingReplicas.length > 0) out.removingReplicas = v.removingReplicas;
  }
  return out;
}

export function parseController(text: string): StoredController | undefined {
  const v = json(text) as Partial<StoredController> | undefined;
  return v && isInt(v.brokerId) && isInt(v.epoch) ? { brokerId: v.brokerId, epoch: v.epoch } : undefined;
}

/** The state a partition is created in: led by the first live replica, the live replicas in sync. */
export function initialPartition(replicas: readonly number[], alive: (id: number) => boolean): StoredPartition {
  const isr = replicas.filter(alive);
  return { leader: isr[0] ?? -1, leaderEpoch: 0, isr: isr.length > 0 ? isr : [...replicas], partitionEpoch: 0 };
}
