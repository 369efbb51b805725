/**
 * A cluster as the command-line tools see it: a bootstrap connection, metadata, and one connection
 * per broker, opened when first needed.
 */
import type { FindCoordinatorResponse, MetadataResponse, MetadataResponseTopic } from '../protocol/messages/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultMetadataRequestTopic } from '../protocol/messages/index.js';
import { ApiKey, Connection, parseAddress, type Address, type ConnectionOptions } from './connection.js';
import { ClientError, KafkaError } from './errors.js';

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; errorCode: number }>;
}

export class Client {
  private readonly byAddress = new Map<string, Promise<Connection>>();
  private brokers = new Map<number, Address>();

  private constructor(
    readonly bootstrap: Connection,
    private readonly opts: ConnectionOptions,
  ) {
    this.byAddress.set(bootstrap.label, Promise.resolve(bootstrap));
  }

  /** Connects to the first reachable address of a comma-separated --bootstrap-server list. */
  static async connect(bootstrapServers: string, opts: ConnectionOptions = {}): Promise<Client> {
    const addresses = bootstrapServers.split(',').filter((s) => s.trim()).map(parseAddress);
    if (addresses.length === 0) throw new ClientError('no bootstrap server given');
    let last: unknown;
    for (const a of addresses) {
      try {
        return new Client(await Connection.open(a, opts), opts);
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  /** The connection to a broker by node id (learned from metadata); the bootstrap one when unknown. */
  async broker(nodeId: number): Promise<Connection> {
    const a = this.brokers.get(nodeId);
    return a ? this.connectTo(a) : this.bootstrap;
  }

  async connectTo(a: Address): Promise<Connection> {
    const key = `${a.host}:${a.port}`;
    let c = this.byAddress.get(key);
    if (!c) {
      c = Connection.open(a, this.opts);
      this.byAddress.set(key, c);
      c.catch(() => this.byAddress.delete(key));
    }
    return c;
  }

  /** Metadata for `topics` (all topics when undefined); never creates topics. */
  async metadata(topics?: string[]): Promise<MetadataResponse> {
    const res = await this.bootstrap.request<MetadataResponse>(ApiKey.Metadata, {
      topics: topics ? topics.map((name) => ({ ...defaultMetadataRequestTopic(), name })) : null,
      allowAutoTopicCreation: false,
    });
    for (const b of res.brokers) this.brokers.set(b.nodeId, { host: b.host, port: b.port });
    return res;
  }

  /** One topic's partitions and leaders; KafkaError (UNKNOWN_TOPIC_OR_PARTITION) when it does not exist. */
  async topic(name: string): Promise<TopicInfo> {
    const res = await this.metadata([name]);
    const t = res.topics.find((x) => x.name === name);
    if (!t) throw new KafkaError(3, `topic '${name}'`);
    if (t.errorCode !== 0) throw new KafkaError(t.errorCode, `topic '${name}'`);
    return topicInfo(t);
  }

  /** The connection to a consumer group's coordinator (FindCoordinator, retried while it is not available yet). */
  async coordinator(groupId: string): Promise<Connection> {
    const conn = this.bootstrap;
    const v = conn.version(ApiKey.FindCoordinator);
    for (let attempt = 0; ; attempt++) {
      const res = await conn.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, v >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 }, v);
      const c = v >= 4 ? res.coordinators[0] : res;
      if (!c) throw new KafkaError(-1, `find coordinator of group '${groupId}'`, 'empty response');
      if (c.errorCode === 0) return this.connectTo({ host: c.host, port: c.port });
      if ((c.errorCode !== 15 && c.errorCode !== 14) || attempt >= 20) throw new KafkaError(c.errorCode, `find coordinator of group '${groupId}'`, c.errorMessage);
      await sleep(250);
    }
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.byAddress.values());
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}

export function topicInfo(t: MetadataResponseTopic): TopicInfo {
  return {
    name: t.name ?? '',
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions
      .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode }))
      .sort((a, b) => a.partition - b.partition),
  };
}

/** Kafka's printed form of a topic id: the 16 bytes in URL-safe base64 without padding. */
export function kafkaUuid(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}
