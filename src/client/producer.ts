/** Produce: records grouped per partition, one v2 batch each (optionally compressed), per leader. */
import * as m from '../protocol/messages/index.js';
import { encodeRecords, buildBatch, type Record as KRecord } from '../protocol/records.js';
import { compress } from '../protocol/compression.js';
import { ApiKey } from './connection.js';
import type { Client, TopicInfo } from './client.js';
import { check, ClientError } from './errors.js';
import { partitionForKey } from './murmur2.js';

export interface ProducerOptions {
  /** -1 (all), 0 or 1. */
  acks: number;
  /** Codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  timeoutMs?: number;
}

export interface OutRecord {
  key: Buffer | null;
  value: Buffer | null;
  /** Set to send to a fixed partition. */
  partition?: number;
}

/** An encoded v2 batch of `records` with the records section compressed by `codec`. */
export async function encodeBatch(records: KRecord[], codec: number): Promise<Buffer> {
  const baseTs = Date.now();
  const section = encodeRecords(records, baseTs);
  const packed = codec === 0 ? section : await compress(codec, section);
  return buildBatch(packed, records.length, { baseTimestamp: baseTs, maxTimestamp: baseTs, attributes: codec });
}

export class Producer {
  private roundRobin = 0;

  constructor(
    private readonly client: Client,
    private readonly topic: TopicInfo,
    private readonly opts: ProducerOptions,
  ) {}

  /** The partition a record goes to: its own, murmur2 of its key, or the next one round-robin. */
  partitionOf(r: OutRecord, unkeyed: number): number {
    if (r.partition !== undefined) return r.partition;
    if (r.key) return partitionForKey(r.key, this.topic.partitions.length);
    return unkeyed;
  }

  /** Sends the records; unkeyed ones of one call all go to the same partition (the next one, round-robin). */
  async send(records: OutRecord[]): Promise<void> {
    if (records.length === 0) return;
    const n = this.topic.partitions.length;
    const unkeyed = this.roundRobin++ % n;
    const perPartition = new Map<number, KRecord[]>();
    for (const r of records) {
      const p = this.partitionOf(r, unkeyed);
      if (p < 0 || p >= n) throw new ClientError(`partition ${p} of '${this.topic.name}' does not exist`);
      let list = perPartition.get(p);
      if (!list) perPartition.set(p, (list = []));
      list.push({ key: r.key, value: r.value });
    }
    const perLeader = new Map<number, m.ProduceRequestPartitionProduceData[]>();
    for (const [p, recs] of perPartition) {
      const leader = this.topic.partitions[p].leader;
      let list = perLeader.get(leader);
      if (!list) perLeader.set(leader, (list = []));
      list.push({ ...m.defaultProduceRequestPartitionProduceData(), index: p, records: await encodeBatch(recs, this.opts.compression) });
    }
    await Promise.all(
      [...perLeader].map(async ([leader, partitionData]) => {
        const conn = await this.client.broker(leader);
        const body = {
          acks: this.opts.acks,
          timeoutMs: this.opts.timeoutMs ?? 30_000,
          topicData: [{ ...m.defaultProduceRequestTopicProduceData(), name: this.topic.name, partitionData }],
        };
        if (this.opts.acks === 0) {
          conn.fireAndForget(ApiKey.Produce, body);
          return;
        }
        const res = await conn.request<m.ProduceResponse>(ApiKey.Produce, body);
        for (const t of res.responses)
          for (const pr of t.partitionResponses) check(pr.errorCode, `produce to ${this.topic.name}-${pr.index}`, pr.errorMessage);
      }),
    );
  }
}
