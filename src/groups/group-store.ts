/**
 * Durable group state: committed offsets and group metadata are records in the internal, compacted
 * topic __consumer_offsets (as in Kafka, though in Runnel's own record format: a text key and a
 * JSON value, a null value deleting the key). The partition a group writes to is a function of its
 * id, so groups can later be spread over coordinators. Everything is replayed at start-up.
 */
import { createBatch } from '../protocol/records.js';
import { validateProducedBatch } from '../protocol/record-batch.js';
import { batchRecords } from '../protocol/batch-records.js';
import type { PartitionLog } from '../storage/partition-log.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface StoredOffset {
  offset: string; // bigint as text
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
  expireTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Array<{ name: string; metadata: string }>; // base64
  assignment: string; // base64
}

export interface StoredGroup {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  members: StoredMember[];
  stateTimestamp: number;
}

export type StoreRecord = { kind: 'offset'; group: string; topic: string; partition: number; value: StoredOffset | null } | { kind: 'group'; group: string; value: StoredGroup | null };

const SEP = '\u0000';

/** Kafka's String.hashCode-based partitioning of group ids, so the mapping matches Kafka's. */
export function partitionFor(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  return Math.abs(h === -2147483648 ? 0 : h) % partitions;
}

function keyOf(r: StoreRecord): string {
  return r.kind === 'offset' ? ['o', r.group, r.topic, String(r.partition)].join(SEP) : ['g', r.group].join(SEP);
}

function parseKey(key: string, value: unknown): StoreRecord | undefined {
  const parts = key.split(SEP);
  if (parts[0] === 'o' && parts.length === 4) return { kind: 'offset', group: parts[1], topic: parts[2], partition: Number(parts[3]), value: value as StoredOffset | null };
  if (parts[0] === 'g' && parts.length === 2) return { kind: 'group', group: parts[1], value: value as StoredGroup | null };
  return undefined;
}

export class GroupStore {
  constructor(private readonly partitions: PartitionLog[]) {}

  /** Appends records of one group in one batch; resolves once they are in the log. */
  async write(group: string, records: StoreRecord[]): Promise<void> {
    if (records.length === 0 || this.partitions.length === 0) return;
    const log = this.partitions[partitionFor(group, this.partitions.length)];
    const batch = createBatch(records.map((r) => ({ key: Buffer.from(keyOf(r)), value: r.value === null ? null : Buffer.from(JSON.stringify(r.value)) })));
    await log.append(batch, validateProducedBatch(batch));
  }

  /** Every record in the log, in order, for replay. */
  async *replay(): AsyncGenerator<StoreRecord> {
    for (const log of this.partitions) {
      let offset = log.logStartOffset;
      while (offset < log.highWatermark) {
        const { records } = await log.read(offset, 4 * 1024 * 1024);
        if (records.length === 0) break;
        let p = 0;
        while (p < records.length) {
          const size = records.readInt32BE(p + 8) + 12;
          const batch = records.subarray(p, p + size);
          for (const r of await batchRecords(batch)) {
            if (!r.key) continue;
            let value: unknown = null;
            try {
              value = r.value === null ? null : JSON.parse(r.value.toString());
            } catch {
              continue;
            }
            const rec = parseKey(r.key.toString(), value);
            if (rec) yield rec;
          }
          offset = Number(batch.readBigInt64BE(0)) + batch.readInt32BE(23) + 1;
          p += size;
        }
      }
    }
  }
}
