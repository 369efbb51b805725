/**
 * What the console needs of the other brokers of a cluster, asked of them over the wire with
 * Runnel's own client (src/client/connection.ts): records of a partition another broker leads
 * (Fetch to its leader, batches kept as bytes and decoded by records.ts as local reads are),
 * start/end offsets (ListOffsets) and sizes (DescribeLogDirs) of such partitions, and requests to
 * a group's coordinator.
 *
 * The connections are the broker's inter-broker ones: the inter-broker listener's endpoint of each
 * broker, with its TLS/SASL settings (src/client/security/inter-broker.ts), so the other broker
 * sees this broker's identity, not the console's user. The callers therefore check the user's
 * permission locally with the authorizer port first (ACLs are cluster-wide, the same on every
 * broker) and ask a remote broker only for what the user may see: READ on the topic for records,
 * DESCRIBE for offsets and sizes, the group's ACLs for group requests. That identity must be
 * allowed those requests on the other brokers (a super user, as brokers usually are).
 *
 * One connection per broker, opened when first needed and dropped when it fails; a broker that
 * does not answer within REQUEST_TIMEOUT_MS leaves its partitions' values unknown (null), never a
 * hung page. Nothing here runs per record.
 */
import { ApiKey, Connection } from '../client/connection.js';
import type { ClientSecurity } from '../client/security/client-security.js';
import { brokerInterBrokerSecurity } from '../client/security/inter-broker.js';
import { interBrokerEndpoint } from '../cluster/metadata-image.js';
import type { BrokerServices } from '../handlers/types.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import * as m from '../protocol/messages/index.js';
import type { RecordSource } from './records.js';

const REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
const EARLIEST = -2n;
const LATEST = -1n;

/** A broker could not be asked (unknown, unreachable, or it refused with `code`). */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code = -1,
  ) {
    super(message);
  }
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface Offsets {
  logStart: number;
  end: number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ClusterLink {
  private readonly conns = new Map<number, Promise<Connection>>();
  private security: ClientSecurity | undefined;

  constructor(private readonly broker: BrokerServices) {}

  get nodeId(): number {
    return this.broker.nodeId;
  }

  /** The other brokers alive now. */
  others(): number[] {
    return this.broker.metadata
      .image()
      .brokers()
      .map((b) => b.id)
      .filter((id) => id !== this.broker.nodeId);
  }

  /** This broker's handle of the partition when it can read it (it leads it), else undefined. */
  local(topic: string, partition: number): PartitionHandle | undefined {
    return this.broker.partitions.getPartitionOrError(topic, partition).partition;
  }

  /** The partition's leader by the metadata image; -1 when it has none or is unknown. */
  leaderOf(topic: string, partition: number): number {
    return this.broker.metadata.image().partition(topic, partition)?.leader ?? -1;
  }

  /** One request to broker `nodeId` as this broker (its inter-broker identity). */
  async request<Res>(nodeId: number, apiKey: number, body: object, version?: number): Promise<Res> {
    const conn = await this.connection(nodeId);
    try {
      return await conn.request<Res>(apiKey, body, version ?? conn.version(apiKey));
    } catch (err) {
      // A failed connection is opened again next time (the broker may have restarted elsewhere).
      this.conns.delete(nodeId);
      void conn.close();
      throw new RemoteError(`broker ${nodeId}: ${(err as Error).message}`);
    }
  }

  private connection(nodeId: number): Promise<Connection> {
    let c = this.conns.get(nodeId);
    if (!c) {
      const ep = interBrokerEndpoint(this.broker.metadata.image().broker(nodeId), this.broker.config.interBrokerListener().name);
      if (!ep) return Promise.reject(new RemoteError(`broker ${nodeId} is not alive`));
      this.security ??= brokerInterBrokerSecurity(this.broker.config);
      c = Connection.open({ host: ep.host, port: ep.port }, { clientId: 'runnel-console', connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, security: this.security });
      this.conns.set(nodeId, c);
      c.catch(() => this.conns.delete(nodeId));
    }
    return c.catch((err: unknown) => {
      throw new RemoteError(`broker ${nodeId}: ${(err as Error).message}`);
    });
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.conns.values());
    this.conns.clear();
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }

  /** The partitions grouped by their leader (partitions without a leader are left out). */
  private byLeader(parts: PartitionRef[]): Map<number, PartitionRef[]> {
    const out = new Map<number, PartitionRef[]>();
    for (const p of parts) {
      const leader = this.leaderOf(p.topic, p.partition);
      if (leader < 0) continue;
      const list = out.get(leader) ?? [];
      list.push(p);
      out.set(leader, list);
    }
    return out;
  }

  /** ListOffsets at `timestamp` for each partition from its leader; partitions that failed are left out. */
  async listOffsets(parts: PartitionRef[], timestamp: bigint): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    await Promise.all(
      [...this.byLeader(parts)].map(async ([leader, list]) => {
        const topics = new Map<string, number[]>();
        for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
        const res = await this.request<m.ListOffsetsResponse>(leader, ApiKey.ListOffsets, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [...topics].map(([name, ps]) => ({
            ...m.defaultListOffsetsRequestListOffsetsTopic(),
            name,
            partitions: ps.map((partitionIndex) => ({ ...m.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex, timestamp })),
          })),
        }).catch(() => undefined);
        for (const t of res?.topics ?? []) for (const p of t.partitions) if (p.errorCode === 0 && p.offset >= 0n) out.set(keyOf(t.name, p.partitionIndex), Number(p.offset));
      }),
    );
    return out;
  }

  /** Log start and end (high watermark) of each partition from its leader: two ListOffsets per leader. */
  async offsets(parts: PartitionRef[]): Promise<Map<string, Offsets>> {
    const [starts, ends] = await Promise.all([this.listOffsets(parts, EARLIEST), this.listOffsets(parts, LATEST)]);
    const out = new Map<string, Offsets>();
    for (const [k, end] of ends) {
      const logStart = starts.get(k);
      if (logStart !== undefined) out.set(k, { logStart, end });
    }
    return out;
  }

  /** Each partition's size on its leader (DescribeLogDirs, one request per leader). */
  async sizes(parts: PartitionRef[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    await Promise.all(
      [...this.byLeader(parts)].map(async ([leader, list]) => {
        const topics = new Map<string, number[]>();
        for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
        const res = await this.request<m.DescribeLogDirsResponse>(leader, ApiKey.DescribeLogDirs, { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }).catch(() => undefined);
        for (const dir of res?.results ?? []) {
          if (dir.errorCode !== 0) continue;
          for (const t of dir.topics) for (const p of t.partitions) if (!p.isFutureKey) out.set(keyOf(t.name, p.partitionIndex), (out.get(keyOf(t.name, p.partitionIndex)) ?? 0) + Number(p.partitionSize));
        }
      }),
    );
    return out;
  }

  /**
   * The partitions of a topic to read records of: this broker's handle where it leads one, else a
   * view of it on its leader with its offsets as they are now (ListOffsets to each leader once).
   * Partitions that can be read nowhere (no leader, leader unreachable) are left out.
   */
  async sources(topic: string, partitions: number[]): Promise<Map<number, RecordSource>> {
    const out = new Map<number, RecordSource>();
    const remote: PartitionRef[] = [];
    for (const p of partitions) {
      const h = this.local(topic, p);
      if (h) out.set(p, h);
      else remote.push({ topic, partition: p });
    }
    if (remote.length === 0) return out;
    const offsets = await this.offsets(remote);
    for (const r of remote) {
      const o = offsets.get(keyOf(topic, r.partition));
      if (o) out.set(r.partition, this.remotePartition(topic, r.partition, o));
    }
    return out;
  }

  /** A view of a partition on its leader with offsets already known. */
  remotePartition(topic: string, partition: number, o: Offsets): RemotePartition {
    return new RemotePartition(this, this.leaderOf(topic, partition), topic, partition, o.logStart, o.end);
  }
}

export { keyOf as partitionKey };

/** A partition led by another broker as records.ts reads it: offsets as opened, batches by Fetch. */
export class RemotePartition implements RecordSource {
  constructor(
    private readonly link: ClusterLink,
    readonly leader: number,
    readonly topic: string,
    readonly partition: number,
    readonly logStartOffset: number,
    readonly highWatermark: number,
  ) {}

  /** Whole batches from `offset` (the first one even when larger than maxBytes, as Fetch gives it), as bytes. */
  async read(offset: number, maxBytes: number): Promise<{ records: Buffer }> {
    const res = await this.link.request<m.FetchResponse>(this.leader, ApiKey.Fetch, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ ...m.defaultFetchRequestFetchTopic(), topic: this.topic, partitions: [{ ...m.defaultFetchRequestFetchPartition(), partition: this.partition, fetchOffset: BigInt(offset), partitionMaxBytes: maxBytes }] }],
    });
    if (res.errorCode !== 0) throw new RemoteError(`fetch of ${this.topic}-${this.partition} from broker ${this.leader} failed`, res.errorCode);
    const p = res.responses[0]?.partitions[0];
    if (!p) return { records: Buffer.alloc(0) };
    if (p.errorCode !== 0) throw new RemoteError(`fetch of ${this.topic}-${this.partition} from broker ${this.leader} failed (error ${p.errorCode})`, p.errorCode);
    return { records: (p.records as Buffer | null) ?? Buffer.alloc(0) };
  }

  /** The first offset with a timestamp at or after `ts` (ListOffsets by time on the leader). */
  async offsetForTimestamp(ts: number): Promise<{ offset: number } | undefined> {
    const found = await this.link.listOffsets([{ topic: this.topic, partition: this.partition }], BigInt(ts));
    const offset = found.get(keyOf(this.topic, this.partition));
    return offset === undefined ? undefined : { offset };
  }
}
