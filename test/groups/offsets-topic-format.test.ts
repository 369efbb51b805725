/**
 * __consumer_offsets read with a plain Fetch, decoded as Kafka's OffsetsMessageFormatter and
 * GroupMetadataMessageFormatter decode it (int16 key version, then the fields of that record type):
 * committed offsets, a classic group with its member, and offsets committed in a transaction —
 * a transactional batch of the producer, then its COMMIT marker. __transaction_state holds
 * TransactionLogKey/Value records as TransactionLogMessageFormatter reads them.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { ClassicMember } from '../helpers/classic-member.js';
import { PlainReader } from '../helpers/bytes.js';
import { readBatchHeader, Attr } from '../../src/protocol/record-batch.js';
import { batchRecords } from '../../src/protocol/batch-records.js';
import { partitionFor } from '../../src/cluster/kv-log.js';

const Z = '00000000-0000-0000-0000-000000000000';
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

interface Fetched {
  transactional: boolean;
  control: boolean;
  producerId: bigint;
  records: Array<{ key: Buffer | null; value: Buffer | null }>;
}

async function fetchAll(w: KafkaWire, topic: string, partition: number): Promise<Fetched[]> {
  const r = await w.request(1, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 22, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId: Z, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 22, replicaDirectoryId: Z, highWatermark: 0n }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const p = r.responses[0].partitions[0];
  expect(p.errorCode).toBe(0);
  const recs = p.records as Buffer;
  const out: Fetched[] = [];
  for (let pos = 0; pos < recs.length; ) {
    const size = recs.readInt32BE(pos + 8) + 12;
    const batch = recs.subarray(pos, pos + size);
    const h = readBatchHeader(batch);
    out.push({ transactional: (h.attributes & Attr.TRANSACTIONAL) !== 0, control: (h.attributes & Attr.CONTROL) !== 0, producerId: h.producerId, records: (await batchRecords(batch)).map((x) => ({ key: x.key, value: x.value })) });
    pos += size;
  }
  return out;
}

/** What OffsetsMessageFormatter / GroupMetadataMessageFormatter print, from the bytes alone. */
function formatOffsetsRecord(key: Buffer, value: Buffer | null): Record<string, unknown> {
  const k = new PlainReader(key);
  const keyVersion = k.i16();
  if (keyVersion <= 1) {
    const out: Record<string, unknown> = { keyVersion, group: k.str(), topic: k.str(), partition: k.i32() };
    expect(k.done).toBe(true);
    if (value === null) return { ...out, value: null };
    const v = new PlainReader(value);
    const version = v.i16();
    out.valueVersion = version;
    out.offset = v.i64();
    if (version >= 3) out.leaderEpoch = v.i32();
    out.metadata = v.str();
    out.commitTimestamp = v.i64();
    if (version === 1) out.expireTimestamp = v.i64();
    expect(v.done).toBe(true);
    return out;
  }
  if (keyVersion === 2) {
    const out: Record<string, unknown> = { keyVersion, group: k.str() };
    if (value === null) return { ...out, value: null };
    const v = new PlainReader(value);
    out.valueVersion = v.i16();
    Object.assign(out, { protocolType: v.str(), generation: v.i32(), protocol: v.nstr(), leader: v.nstr(), currentStateTimestamp: v.i64() });
    const n = v.i32();
    out.members = Array.from({ length: n }, () => ({ memberId: v.str(), groupInstanceId: v.nstr(), clientId: v.str(), clientHost: v.str(), rebalanceTimeout: v.i32(), sessionTimeout: v.i32(), subscription: v.bytes().length, assignment: v.bytes().length }));
    expect(v.done).toBe(true);
    return out;
  }
  return { keyVersion };
}

describe('__consumer_offsets in Kafka’s format', () => {
  it('a plain Fetch returns records Kafka’s formatters decode', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-offsets-format-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const broker = await startBroker({ port: 0, dataDir, config: { 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 } });
    cleanup.push(() => broker.close());
    const w = await KafkaWire.connect(broker.port);
    cleanup.push(() => w.close());
    await w.request(19, 7, { topics: [{ name: 'orders', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });

    // A classic group with one member, which commits an offset.
    const m = await ClassicMember.connect(broker.port, 'app', ['orders'], new Map([['orders', 2]]));
    cleanup.push(() => m.wire.close());
    expect(await m.join()).toBe(0);
    const commit = await w.request(8, 8, {
      groupId: 'app', generationIdOrMemberEpoch: m.generation, memberId: m.memberId, groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: 'md' }] }],
    });
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);

    // Offsets committed inside a transaction.
    const p = await w.request(22, 4, { transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    expect((await w.request(25, 3, { transactionalId: 'tx', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'txg' })).errorCode).toBe(0);
    const tc = await w.request(28, 3, {
      transactionalId: 'tx', groupId: 'txg', producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(tc.topics[0].partitions[0].errorCode).toBe(0);
    expect((await w.request(26, 3, { transactionalId: 'tx', producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true })).errorCode).toBe(0);

    const batches = await fetchAll(w, '__consumer_offsets', partitionFor('app', 1));
    const plain = batches.filter((b) => !b.transactional).flatMap((b) => b.records.map((r) => formatOffsetsRecord(r.key!, r.value)));
    expect(plain).toContainEqual({ keyVersion: 1, group: 'app', topic: 'orders', partition: 1, valueVersion: 3, offset: 42n, leaderEpoch: 3, metadata: 'md', commitTimestamp: expect.any(BigInt) });
    const groupRecords = plain.filter((r) => r.keyVersion === 2 && r.value !== null);
    expect(groupRecords.at(-1)).toMatchObject({
      group: 'app', valueVersion: 3, protocolType: 'consumer', generation: m.generation, protocol: 'range', leader: m.memberId,
      members: [{ memberId: m.memberId, groupInstanceId: null, rebalanceTimeout: 10_000, sessionTimeout: 10_000 }],
    });
    expect((groupRecords.at(-1)!.members as any[])[0].assignment).toBeGreaterThan(0);

    // The transaction: offset records in a transactional batch of the producer, then its COMMIT marker.
    const txIndex = batches.findIndex((b) => b.transactional && !b.control);
    expect(txIndex).toBeGreaterThanOrEqual(0);
    const tx = batches[txIndex];
    expect(tx.producerId).toBe(p.producerId);
    expect(tx.records.map((r) => formatOffsetsRecord(r.key!, r.value))).toEqual([{ keyVersion: 1, group: 'txg', topic: 'orders', partition: 0, valueVersion: 3, offset: 7n, leaderEpoch: -1, metadata: '', commitTimestamp: expect.any(BigInt) }]);
    const marker = batches.slice(txIndex + 1).find((b) => b.control && b.producerId === p.producerId);
    expect(marker?.records[0].key?.readInt16BE(2)).toBe(1); // COMMIT

    // __transaction_state: TransactionLogKey version 0, TransactionLogValue (status 4 = CompleteCommit last).
    const txnRecords = (await fetchAll(w, '__transaction_state', 0)).flatMap((b) => b.records);
    const last = txnRecords.at(-1)!;
    const k = new PlainReader(last.key!);
    expect([k.i16(), k.str()]).toEqual([0, 'tx']);
    const v = new PlainReader(last.value!);
    expect(v.i16()).toBe(1);
    expect([v.i64(), v.i16(), v.i32(), v.i8()]).toEqual([p.producerId, p.producerEpoch, 60_000, 4]);
    // The prepare record listed the group's __consumer_offsets partition, as Kafka lists it.
    const prepare = txnRecords.map((r) => r.value!).find((b) => b.readInt8(2 + 8 + 2 + 4) === 2)!;
    expect(prepare.includes(Buffer.from('__consumer_offsets'))).toBe(true);

    // And the broker reads it all back.
    await broker.close();
    const again = await startBroker({ port: 0, dataDir, config: { 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 } });
    cleanup.push(() => again.close());
    const w2 = await KafkaWire.connect(again.port);
    cleanup.push(() => w2.close());
    const fetched = await w2.request(9, 8, { groups: [{ groupId: 'app', topics: null }, { groupId: 'txg', topics: null }], requireStable: true });
    const offsets = fetched.groups.map((g: any) => [g.groupId, g.topics.flatMap((t: any) => t.partitions.map((x: any) => [t.name, x.partitionIndex, x.committedOffset]))]);
    expect(offsets).toEqual([['app', [['orders', 1, 42n]]], ['txg', [['orders', 0, 7n]]]]);
  }, 60_000);
});
