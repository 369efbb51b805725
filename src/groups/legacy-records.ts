/**
 * The record format of __consumer_offsets before Kafka's own (Runnel up to this release): a text
 * key ("o\0group\0topic\0partition", "g\0group", "p\0group\0producerId\0topic\0partition",
 * "c\0group", "m\0<length>\0group\0member") and a JSON value. Read once at start-up, when
 * offsets-replay.ts migrates such records to Kafka's format; never written. A legacy key starts
 * with a letter, a Kafka key with its int16 version (a zero byte): that tells them apart.
 */
import type { StoreRecord, StoredConsumerGroup, StoredConsumerMember, StoredGroup, StoredOffset } from './group-store.js';

const SEP = '\u0000';

export function isLegacyKey(key: Buffer): boolean {
  return key.length > 0 && key[0] !== 0;
}

/** The StoreRecord of a legacy key and JSON value; undefined when unreadable. */
export function parseLegacyRecord(keyBytes: Buffer, valueBytes: Buffer | null): StoreRecord | undefined {
  const key = keyBytes.toString();
  let value: unknown;
  try {
    value = valueBytes === null ? null : JSON.parse(valueBytes.toString());
  } catch {
    return undefined; // a damaged value: skipped, as before
  }
  if (key.startsWith(`c${SEP}`)) return { kind: 'consumer-group', group: key.slice(2), value: value as StoredConsumerGroup | null };
  const member = /^m\u0000(\d+)\u0000/.exec(key);
  if (member) {
    const start = member[0].length;
    const group = key.slice(start, start + Number(member[1]));
    if (key[start + group.length] !== SEP) return undefined;
    return { kind: 'consumer-member', group, memberId: key.slice(start + group.length + 1), value: value as StoredConsumerMember | null };
  }
  const parts = key.split(SEP);
  if (parts[0] === 'o' && parts.length === 4) return { kind: 'offset', group: parts[1], topic: parts[2], partition: Number(parts[3]), value: value as StoredOffset | null };
  if (parts[0] === 'p' && parts.length === 5) return { kind: 'pending', group: parts[1], producerId: parts[2], producerEpoch: 0, topic: parts[3], partition: Number(parts[4]), value: value as StoredOffset | null };
  if (parts[0] === 'g' && parts.length === 2) return { kind: 'group', group: parts[1], value: value as StoredGroup | null };
  return undefined;
}

/** Names the state a record is about (a group, an offset, a member...), whatever its format. */
export function logicalId(r: StoreRecord): string {
  switch (r.kind) {
    case 'offset':
      return JSON.stringify(['o', r.group, r.topic, r.partition]);
    case 'pending':
      return JSON.stringify(['p', r.group, r.producerId, r.topic, r.partition]);
    case 'group':
      return JSON.stringify(['g', r.group]);
    case 'consumer-group':
      return JSON.stringify(['c', r.group]);
    case 'consumer-member':
      return JSON.stringify(['m', r.group, r.memberId]);
  }
}
