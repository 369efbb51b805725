/**
 * DeleteRecords (21), OffsetForLeaderEpoch (23), DescribeLogDirs (35) and DescribeTopicPartitions
 * (75) over the wire, on partitions holding records written into the data directory beforehand.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startBroker } from '../../src/broker.js';
import { KafkaWire, clientHost } from '../helpers/kafka-wire.js';
import { API, ZERO, appendOffline, batchOf, createTopic, metadataOf, removeTempDirs, startAdmin, tempDir, type AdminBroker } from '../helpers/admin-wire.js';

const NODE = 2;
const E = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_TOPIC_EXCEPTION: 17,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
};

let a: AdminBroker;
let c: KafkaWire;

/** 30 records in 3 batches in partition 0 of each rec-* topic, 5 in partition 1. */
beforeAll(async () => {
  const setup = await startAdmin({ config: { 'node.id': NODE } });
  for (const name of ['rec-v0', 'rec-v1', 'rec-v2', 'rec-restart', 'rec-epoch', 'rec-epochs', 'rec-dirs']) await createTopic(setup.c, { name, numPartitions: 2 });
  await createTopic(setup.c, { name: 'rec-compact', configs: { 'cleanup.policy': 'compact' } });
  await createTopic(setup.c, { name: 'rec-empty' });
  await setup.close();
  const writes: Parameters<typeof appendOffline>[1] = ['rec-v0', 'rec-v1', 'rec-v2', 'rec-restart', 'rec-epoch', 'rec-dirs', 'rec-compact'].flatMap((topic) => [
    { topic, partition: 0, batches: [batchOf(10, 'a'), batchOf(10, 'b'), batchOf(10, 'c')] },
    ...(topic === 'rec-compact' ? [] : [{ topic, partition: 1, batches: [batchOf(5, 'd')] }]),
  ]);
  // rec-epochs-0 led in epochs 0, 1 and 3: 10 records each, from offsets 0, 10 and 20.
  writes.push({ topic: 'rec-epochs', partition: 0, batches: [batchOf(10, 'e'), batchOf(10, 'f'), batchOf(10, 'g')], epochs: [0, 1, 3] });
  await appendOffline(setup.dataDir, writes);
  a = await startAdmin({ dataDir: setup.dataDir, config: { 'node.id': NODE } });
  c = a.c;
});

afterAll(async () => {
  await a?.close();
  await removeTempDirs();
});

const deleteRecords = (k: KafkaWire, v: number, topics: Array<[string, Array<[number, bigint]>]>) =>
  k.request(API.DELETE_RECORDS, v, {
    topics: topics.map(([name, parts]) => ({ name, partitions: parts.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) })),
    timeoutMs: 1000,
  });

const epochOf = (v: number, topic: string, parts: Array<[partition: number, leaderEpoch: number, current?: number]>) =>
  c.request(API.OFFSET_FOR_LEADER_EPOCH, v, {
    replicaId: -1,
    topics: [{ topic, partitions: parts.map(([partition, leaderEpoch, current]) => ({ partition, leaderEpoch, currentLeaderEpoch: current ?? -1 })) }],
  });

describe('DeleteRecords', () => {
  for (let v = 0; v <= 2; v++) {
    it(`v${v} moves the low watermark; -1 is the high watermark; past it is OFFSET_OUT_OF_RANGE`, async () => {
      const t = `rec-v${v}`;
      const res = await deleteRecords(c, v, [[t, [[0, 10n], [1, -1n]]]]);
      expect(res.throttleTimeMs).toBe(0);
      expect(res.topics).toEqual([{ name: t, partitions: [{ partitionIndex: 0, lowWatermark: 10n, errorCode: 0 }, { partitionIndex: 1, lowWatermark: 5n, errorCode: 0 }] }]);
      const again = await deleteRecords(c, v, [[t, [[0, 5n], [0, 31n], [0, -2n], [0, 9223372036854775807n], [0, 30n]]]]);
      expect(again.topics[0].partitions.map((p: any) => [p.errorCode, p.lowWatermark])).toEqual([
        [0, 10n], // below the log start: nothing changes
        [E.OFFSET_OUT_OF_RANGE, -1n],
        [E.OFFSET_OUT_OF_RANGE, -1n],
        [E.OFFSET_OUT_OF_RANGE, -1n],
        [0, 30n],
      ]);
    });
  }

  it('unknown topics and partitions, compacted topics; the log start is checkpointed at once and survives a restart', async () => {
    const res = await deleteRecords(c, 1, [
      ['rec-missing', [[0, 1n]]],
      ['rec-restart', [[2, 1n], [-1, 1n], [0, 20n]]],
      ['rec-compact', [[0, 1n]]],
      ['bad name', [[0, 1n]]],
    ]);
    expect(res.topics.map((t: any) => t.partitions.map((p: any) => [p.errorCode, p.lowWatermark]))).toEqual([
      [[E.UNKNOWN_TOPIC_OR_PARTITION, -1n]],
      [[E.UNKNOWN_TOPIC_OR_PARTITION, -1n], [E.UNKNOWN_TOPIC_OR_PARTITION, -1n], [0, 20n]],
      [[E.POLICY_VIOLATION, -1n]],
      [[E.UNKNOWN_TOPIC_OR_PARTITION, -1n]],
    ]);
    const checkpoint = await readFile(join(a.dataDir, 'log-start-offset-checkpoint'), 'utf8');
    expect(checkpoint.split('\n')).toContain('rec-restart 0 20');
    // Segments wholly below the new start are gone once sealed; the answer is the low watermark.
    await a.close();
    a = await startAdmin({ dataDir: a.dataDir, config: { 'node.id': NODE } });
    c = a.c;
    const after = await deleteRecords(c, 2, [['rec-restart', [[0, 0n]]]]);
    expect(after.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: 20n, errorCode: 0 });
  });
});

describe('OffsetForLeaderEpoch', () => {
  for (let v = 0; v <= 4; v++) {
    it(`v${v}: epoch 0 ends at the log end; later epochs and -1 are undefined`, async () => {
      const res = await epochOf(v, 'rec-epoch', [[0, 0], [1, 0], [0, 1], [0, -1], [5, 0]]);
      const ps = res.topics[0].partitions;
      expect(res.topics[0].topic).toBe('rec-epoch');
      expect(ps.map((p: any) => [p.partition, p.errorCode, p.endOffset])).toEqual([
        [0, 0, 30n],
        [1, 0, 5n],
        [0, 0, -1n],
        [0, 0, -1n],
        [5, E.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ]);
      if (v >= 1) expect(ps.map((p: any) => p.leaderEpoch)).toEqual([0, 0, -1, -1, -1]);
    });
  }

  for (const v of [0, 1, 3, 4]) {
    it(`v${v}: several epochs end where the next one starts, as Kafka's epoch cache answers`, async () => {
      const res = await epochOf(v, 'rec-epochs', [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, -1], [1, 0], [1, 2]]);
      const ps = res.topics[0].partitions;
      expect(ps.map((p: any) => [p.partition, p.errorCode, p.endOffset])).toEqual([
        [0, 0, 10n],
        [0, 0, 20n],
        [0, 0, 20n], // epoch 2 never led: the largest epoch below it is 1, ending where 3 starts
        [0, 0, 30n],
        [0, 0, -1n],
        [0, 0, -1n],
        [1, 0, 0n], // partition 1 is empty, in epoch 0
        [1, 0, -1n],
      ]);
      if (v >= 1) expect(ps.map((p: any) => p.leaderEpoch)).toEqual([0, 1, 1, 3, -1, -1, 0, -1]);
      if (v >= 3) {
        const checked = await epochOf(v, 'rec-epochs', [[0, 1, 3], [0, 1, 1], [0, 1, 4]]);
        expect(checked.topics[0].partitions.map((p: any) => [p.errorCode, p.endOffset])).toEqual([[0, 20n], [E.FENCED_LEADER_EPOCH, -1n], [E.UNKNOWN_LEADER_EPOCH, -1n]]);
      }
    });
  }

  it('v2+ checks the current leader epoch as Kafka does; unknown topics; an empty log ends at 0', async () => {
    const res = await epochOf(4, 'rec-epoch', [[0, 0, 0], [0, 0, 1], [0, 0, -2], [0, 0, -1]]);
    expect(res.topics[0].partitions.map((p: any) => p.errorCode)).toEqual([0, E.UNKNOWN_LEADER_EPOCH, E.FENCED_LEADER_EPOCH, 0]);
    expect((await epochOf(2, 'rec-nope', [[0, 0]])).topics[0].partitions[0].errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await epochOf(3, 'rec-empty', [[0, 0]])).topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 0n });
  });
});

describe('DescribeLogDirs', () => {
  for (let v = 0; v <= 4; v++) {
    it(`v${v} lists the log dir with every partition, its size, lag 0 and isFuture false`, async () => {
      const res = await c.request(API.DESCRIBE_LOG_DIRS, v, { topics: null });
      expect(res.results).toHaveLength(1);
      const [dir] = res.results;
      expect(dir.errorCode).toBe(0);
      expect(dir.logDir).toBe(a.dataDir);
      if (v >= 3) expect(res.errorCode).toBe(0);
      if (v >= 4) {
        expect(dir.totalBytes).toBeGreaterThan(0n);
        expect(dir.usableBytes).toBeGreaterThan(0n);
        expect(dir.usableBytes).toBeLessThanOrEqual(dir.totalBytes);
      }
      const dirsTopic = dir.topics.find((t: any) => t.name === 'rec-dirs');
      expect(dirsTopic.partitions.map((p: any) => p.partitionIndex).sort()).toEqual([0, 1]);
      for (const p of dirsTopic.partitions) {
        expect(p.partitionSize).toBeGreaterThan(0n);
        expect(p.offsetLag).toBe(0n);
        expect(p.isFutureKey).toBe(false);
      }
      const empty = dir.topics.find((t: any) => t.name === 'rec-empty');
      expect(empty.partitions).toEqual([{ partitionIndex: 0, partitionSize: 0n, offsetLag: 0n, isFutureKey: false }]);
    });
  }

  it('only the partitions asked for that exist; an empty list asks for none', async () => {
    const res = await c.request(API.DESCRIBE_LOG_DIRS, 2, {
      topics: [
        { topic: 'rec-dirs', partitions: [1, 7, -1, 1] },
        { topic: 'rec-none', partitions: [0] },
        { topic: 'rec-dirs', partitions: [1, 0] },
      ],
    });
    expect(res.results[0].topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.partitionIndex)])).toEqual([['rec-dirs', [1, 0]]]);
    const none = await c.request(API.DESCRIBE_LOG_DIRS, 4, { topics: [] });
    expect(none.results[0].topics).toEqual([]);
  });

  it('several log dirs: each partition is listed under the dir that holds it', async () => {
    const d1 = await tempDir();
    const d2 = await tempDir();
    const b = await startBroker({ port: 0, config: { 'log.dirs': `${d1},${d2}` } });
    const k = await KafkaWire.connect(b.port, clientHost(b.host));
    try {
      await createTopic(k, { name: 'spread', numPartitions: 4 });
      const res = await k.request(API.DESCRIBE_LOG_DIRS, 4, { topics: null });
      expect(res.results.map((r: any) => r.logDir)).toEqual([d1, d2]);
      const seen: number[] = [];
      for (const r of res.results) {
        const t = r.topics.find((x: any) => x.name === 'spread');
        const onDisk = (await readdir(r.logDir)).filter((n) => n.startsWith('spread-')).map((n) => Number(n.slice(7))).sort();
        const listed = (t?.partitions ?? []).map((p: any) => p.partitionIndex).sort();
        expect(listed).toEqual(onDisk);
        seen.push(...listed);
      }
      expect(seen.sort()).toEqual([0, 1, 2, 3]);
    } finally {
      await k.close();
      await b.close();
    }
  });
});

describe('DescribeTopicPartitions', () => {
  const dtp = (k: KafkaWire, topics: string[], limit = 2000, cursor: { topicName: string; partitionIndex: number } | null = null) =>
    k.request(API.DESCRIBE_TOPIC_PARTITIONS, 0, { topics: topics.map((name) => ({ name })), responsePartitionLimit: limit, cursor });

  it('every topic when the list is empty, in name order, described like Metadata', async () => {
    const res = await dtp(c, []);
    const names = res.topics.map((t: any) => t.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('rec-dirs');
    const t = res.topics.find((x: any) => x.name === 'rec-dirs');
    const md = await metadataOf(c, 'rec-dirs');
    expect(t).toMatchObject({ errorCode: 0, topicId: md.topicId, isInternal: false });
    expect(t.topicAuthorizedOperations).toBeGreaterThan(0);
    expect(t.partitions).toEqual(
      [0, 1].map((i) => ({ errorCode: 0, partitionIndex: i, leaderId: NODE, leaderEpoch: 0, replicaNodes: [NODE], isrNodes: [NODE], eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [] })),
    );
    expect(res.nextCursor).toBeNull();
  });

  it('pages through partitions with the cursor', async () => {
    const b = await startAdmin();
    try {
      await createTopic(b.c, { name: 'pa', numPartitions: 3 });
      await createTopic(b.c, { name: 'pb', numPartitions: 2 });
      await createTopic(b.c, { name: 'pc', numPartitions: 1 });
      const pages: Array<Array<[string, number[]]>> = [];
      let cursor: { topicName: string; partitionIndex: number } | null = null;
      for (let i = 0; i < 10; i++) {
        const res = await dtp(b.c, ['pc', 'pb', 'pa'], 2, cursor);
        pages.push(res.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.partitionIndex)]));
        cursor = res.nextCursor;
        if (!cursor) break;
      }
      expect(pages).toEqual([
        [['pa', [0, 1]]],
        [['pa', [2]], ['pb', [0]]],
        [['pb', [1]], ['pc', [0]]],
      ]);
      // All topics (here also any internal ones the broker made) page the same way.
      const all = await dtp(b.c, [], 2, { topicName: 'pb', partitionIndex: 1 });
      expect(all.topics.map((t: any) => [t.name, t.partitions.length])).toEqual([['pb', 1], ['pc', 1]]);
      // Exactly at the limit with topics left: the cursor points at the next topic's partition 0.
      const exact = await dtp(b.c, ['pc', 'pa'], 3);
      expect(exact.topics.map((t: any) => t.name)).toEqual(['pa']);
      expect(exact.nextCursor).toEqual({ topicName: 'pc', partitionIndex: 0 });
      // A limit of 0 or less still returns one partition.
      expect((await dtp(b.c, ['pa'], 0)).topics[0].partitions).toHaveLength(1);
      expect((await dtp(b.c, ['pa'], -5)).nextCursor).toEqual({ topicName: 'pa', partitionIndex: 1 });
    } finally {
      await b.close();
    }
  });

  it('unknown and illegal names get errors; a bad cursor fails the request with INVALID_REQUEST', async () => {
    const res = await dtp(c, ['rec-nope', 'bad name', 'rec-dirs', 'rec-dirs']);
    expect(res.topics.map((t: any) => [t.name, t.errorCode, t.topicId])).toEqual([
      ['bad name', E.INVALID_TOPIC_EXCEPTION, ZERO],
      ['rec-dirs', 0, (await metadataOf(c, 'rec-dirs')).topicId],
      ['rec-nope', E.UNKNOWN_TOPIC_OR_PARTITION, ZERO],
    ]);
    const notListed = await dtp(c, ['rec-dirs'], 10, { topicName: 'rec-epoch', partitionIndex: 0 });
    expect(notListed.topics).toEqual([expect.objectContaining({ name: 'rec-dirs', errorCode: E.INVALID_REQUEST })]);
    const negative = await dtp(c, [], 10, { topicName: 'rec-dirs', partitionIndex: -1 });
    expect(negative.topics).toEqual([]);
    const past = await dtp(c, ['rec-dirs'], 10, { topicName: 'rec-dirs', partitionIndex: 99 });
    expect(past.topics[0]).toMatchObject({ name: 'rec-dirs', errorCode: 0, partitions: [] });
  });
});
