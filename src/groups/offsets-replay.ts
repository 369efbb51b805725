/**
 * Turns the records of __consumer_offsets, in log order, back into the StoreRecords the group
 * coordinator loads:
 * - a consumer-protocol group or member is several Kafka records; their parts are put together
 *   and the whole is handed out after each part (a tombstone of the group epoch or of the member's
 *   subscription deletes it);
 * - offsets in a transactional batch are pending until a COMMIT marker of their producer on that
 *   partition makes them committed offsets (or an ABORT drops them), as Kafka replays them;
 * - records of the former JSON format (legacy-records.ts) are kept aside and handed out at the end
 *   of their partition, unless a record in Kafka's format has replaced them since; what is left of
 *   them is what GroupStore migrates.
 */
import type { ReplayItem } from '../cluster/kv-log.js';
import { decodeOffsetsRecord } from './offsets-records.js';
import { isLegacyKey, logicalId, parseLegacyRecord } from './legacy-records.js';
import type { StoreRecord, StoredConsumerGroup, StoredConsumerMember } from './group-store.js';
import { newConsumerMember } from './consumer-group.js';
import { storedMember } from './consumer-records.js';

type Pending = Extract<StoreRecord, { kind: 'pending' }>;

const GROUP_DEFAULTS: StoredConsumerGroup = { groupEpoch: 0, assignmentEpoch: 0, subscriptionMetadata: [] };
// What a member record leaves out is as a member first joins.
const MEMBER_DEFAULTS: StoredConsumerMember = storedMember(newConsumerMember('', -1), undefined);

export interface LegacyLeftover {
  partition: number;
  /** Legacy keys whose latest value is not a tombstone: to be deleted once migrated. */
  keys: Buffer[];
  /** What they still say, not replaced by records in Kafka's format. */
  records: StoreRecord[];
}

export class OffsetsReplay {
  private readonly groups = new Map<string, Partial<StoredConsumerGroup>>();
  private readonly members = new Map<string, Partial<StoredConsumerMember>>();
  /** partition → producer id → offset → pending record */
  private readonly pending = new Map<number, Map<string, Map<string, Pending>>>();
  private readonly legacy = new Map<number, { live: Map<string, Buffer>; records: Map<string, StoreRecord> }>();
  readonly leftovers: LegacyLeftover[] = [];

  apply(item: ReplayItem): StoreRecord[] {
    if (item.kind === 'marker') return this.marker(item.partition, item.producerId.toString(), item.commit);
    if (item.kind === 'end') return this.end(item.partition);
    if (isLegacyKey(item.key)) {
      this.keepLegacy(item.partition, item.key, item.value);
      return [];
    }
    let part;
    try {
      part = decodeOffsetsRecord(item.key, item.value);
    } catch {
      return []; // a damaged record: skipped
    }
    if (!part) return [];
    let out: StoreRecord | undefined;
    if (item.txn) {
      if (part.kind !== 'offset') return [];
      const p: Pending = { ...part, kind: 'pending', producerId: item.txn.producerId.toString(), producerEpoch: item.txn.producerEpoch };
      this.pendingOf(item.partition, p.producerId).set(logicalId({ ...part }), p);
      out = p;
    } else if (part.kind === 'consumer-group') {
      out = this.mergeGroup(part.group, part.primary, part.value);
    } else if (part.kind === 'consumer-member') {
      out = this.mergeMember(part.group, part.memberId, part.primary, part.value);
    } else out = part;
    if (!out) return [];
    this.legacy.get(item.partition)?.records.delete(logicalId(out));
    return [out];
  }

  private pendingOf(partition: number, producerId: string): Map<string, Pending> {
    let byProducer = this.pending.get(partition);
    if (!byProducer) this.pending.set(partition, (byProducer = new Map()));
    let offsets = byProducer.get(producerId);
    if (!offsets) byProducer.set(producerId, (offsets = new Map()));
    return offsets;
  }

  private marker(partition: number, producerId: string, commit: boolean): StoreRecord[] {
    const offsets = this.pending.get(partition)?.get(producerId);
    if (!offsets) return [];
    this.pending.get(partition)!.delete(producerId);
    const out: StoreRecord[] = [];
    for (const p of offsets.values()) {
      out.push({ ...p, value: null });
      if (commit && p.value) out.push({ kind: 'offset', group: p.group, topic: p.topic, partition: p.partition, value: { ...p.value, expireTimestamp: -1 } });
    }
    return out;
  }

  private mergeGroup(group: string, primary: boolean, value: Partial<StoredConsumerGroup> | null): StoreRecord | undefined {
    if (value === null) {
      if (primary) {
        this.groups.delete(group);
        return { kind: 'consumer-group', group, value: null };
      }
      return undefined;
    }
    const merged = { ...this.groups.get(group), ...value };
    this.groups.set(group, merged);
    return { kind: 'consumer-group', group, value: { ...GROUP_DEFAULTS, ...merged } };
  }

  private mergeMember(group: string, memberId: string, primary: boolean, value: Partial<StoredConsumerMember> | null): StoreRecord | undefined {
    const id = JSON.stringify([group, memberId]);
    if (value === null) {
      if (primary) {
        this.members.delete(id);
        return { kind: 'consumer-member', group, memberId, value: null };
      }
      return undefined;
    }
    const merged = { ...this.members.get(id), ...value };
    this.members.set(id, merged);
    return { kind: 'consumer-member', group, memberId, value: { ...MEMBER_DEFAULTS, ...merged, memberId } };
  }

  private keepLegacy(partition: number, key: Buffer, value: Buffer | null): void {
    const r = parseLegacyRecord(key, value);
    if (!r) return;
    let l = this.legacy.get(partition);
    if (!l) this.legacy.set(partition, (l = { live: new Map(), records: new Map() }));
    const k = key.toString('latin1');
    if (value === null) l.live.delete(k);
    else l.live.set(k, key);
    const id = logicalId(r);
    l.records.delete(id); // re-inserted last: handed out in log order
    l.records.set(id, r);
  }

  /** The partition's legacy records that still hold (tombstones only mattered while replaying them). */
  private end(partition: number): StoreRecord[] {
    const l = this.legacy.get(partition);
    if (!l) return [];
    this.legacy.delete(partition);
    const records = [...l.records.values()].filter((r) => r.value !== null);
    if (l.live.size > 0) this.leftovers.push({ partition, keys: [...l.live.values()], records });
    // Pending offsets of the former format go through the same bookkeeping as transactional ones.
    for (const r of records) if (r.kind === 'pending') this.pendingOf(partition, r.producerId).set(logicalId({ ...r, kind: 'offset' }), r);
    return records;
  }
}
