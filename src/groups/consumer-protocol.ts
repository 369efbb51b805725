/**
 * The consumer protocol that classic members embed in JoinGroup (their subscription) and SyncGroup
 * (their assignment), read and written with the codecs generated from
 * protocol-specs/consumer-protocol.spec. The broker needs it only when classic members share a
 * group with consumer-protocol members: it then reads their subscriptions and writes their
 * assignments itself, as Kafka's coordinator does.
 */
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { readConsumerProtocolAssignment, readConsumerProtocolSubscription, sizeConsumerProtocolAssignment, writeConsumerProtocolAssignment, type ConsumerProtocolSubscription } from '../protocol/messages/index.js';
import type { Assignment } from './assignors.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const HIGHEST = 3;

/** The embedded protocol is not readable: Kafka's SchemaException. */
export class MalformedProtocol extends Error {}

/** The version a subscription or assignment starts with (newer versions are read as the newest known, whose fields they extend). */
export function protocolVersion(b: Buffer): number {
  if (b.length < 2) throw new MalformedProtocol('no version');
  const v = b.readInt16BE(0);
  if (v < 0) throw new MalformedProtocol(`unsupported version ${v}`);
  return Math.min(v, HIGHEST);
}

export function decodeSubscription(b: Buffer): ConsumerProtocolSubscription {
  try {
    const v = protocolVersion(b);
    return readConsumerProtocolSubscription(new Reader(b, 2), v);
  } catch (err) {
    throw err instanceof MalformedProtocol ? err : new MalformedProtocol((err as Error).message);
  }
}

/** A classic member's assignment as topic ids; topics that no longer exist are left out. An empty buffer is an empty assignment. */
export function decodeAssignment(b: Buffer, idOf: (topic: string) => string | undefined): Assignment {
  const out: Assignment = new Map();
  if (b.length === 0) return out;
  let parts;
  try {
    parts = readConsumerProtocolAssignment(new Reader(b, 2), protocolVersion(b)).assignedPartitions;
  } catch (err) {
    throw err instanceof MalformedProtocol ? err : new MalformedProtocol((err as Error).message);
  }
  for (const tp of parts) {
    const id = idOf(tp.topic);
    if (id === undefined) continue;
    let s = out.get(id);
    if (!s) out.set(id, (s = new Set()));
    for (const p of tp.partitions) s.add(p);
  }
  return out;
}

/** Topic-id partitions as topic names (unknown ids left out), ordered by name and partition. */
export function byTopicName(a: Assignment, nameOf: (topicId: string) => string | undefined): Array<{ topic: string; partitions: number[] }> {
  const out: Array<{ topic: string; partitions: number[] }> = [];
  for (const [id, ps] of a) {
    const topic = nameOf(id);
    if (topic !== undefined) out.push({ topic, partitions: [...ps].sort((x, y) => x - y) });
  }
  return out.sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : 0));
}

/** A ConsumerProtocolAssignment in the version of the member's subscription. */
export function encodeAssignment(a: Assignment, version: number, nameOf: (topicId: string) => string | undefined): Buffer {
  const v = Math.min(Math.max(version, 0), HIGHEST);
  const m = { assignedPartitions: byTopicName(a, nameOf), userData: null };
  const w = Writer.alloc(2 + sizeConsumerProtocolAssignment(m, v));
  w.int16(v);
  writeConsumerProtocolAssignment(w, m, v);
  return w.buf;
}
