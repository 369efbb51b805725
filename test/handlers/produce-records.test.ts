/**
 * Produce: what the broker checks and fixes inside a batch, record by record (LogValidator's
 * rules): the max timestamp is computed from the records for CreateTime topics, compacted topics
 * refuse records without a key, timestamp bounds apply to every record, and record_errors name the
 * offending records. Uncompressed and gzip batches both.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire, fetchBody } from '../helpers/kafka-wire.js';
import { createTopic } from '../helpers/admin-wire.js';
import { buildBatch, createBatch, encodeRecords, type Record as Rec } from '../../src/protocol/records.js';
import { batchRecords } from '../../src/protocol/batch-records.js';
import { crc32c } from '../../src/protocol/crc32c.js';

const PRODUCE = 0;
const FETCH = 1;
const LIST_OFFSETS = 2;
const ZERO = '00000000-0000-0000-0000-000000000000';
const GZIP = 1;
const LOG_APPEND_TIME = 0x08;

let broker: Broker;
let wire: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  wire = await KafkaWire.connect(broker.port);
  await createTopic(wire, { name: 'rr-compacted', numPartitions: 2, configs: { 'cleanup.policy': 'compact' } });
  await createTopic(wire, { name: 'rr-before', configs: { 'message.timestamp.before.max.ms': '3600000' } });
  await createTopic(wire, { name: 'rr-lat', configs: { 'message.timestamp.type': 'LogAppendTime' } });
});
afterAll(async () => {
  await wire.close();
  await broker.close();
});

const rec = (value: string, timestamp: number, key: string | null = 'k'): Rec => ({ key: key === null ? null : Buffer.from(key), value: Buffer.from(value), timestamp });

/** A batch as a careless client writes it: the header's max timestamp is whatever it is told. */
function batchWith(records: Rec[], opts: { maxTimestamp?: number; codec?: number; attributes?: number; baseTimestamp?: number } = {}): Buffer {
  const base = opts.baseTimestamp ?? records[0].timestamp!;
  const section = encodeRecords(records, base);
  const codec = opts.codec ?? 0;
  const max = opts.maxTimestamp ?? Math.max(...records.map((r) => r.timestamp!));
  return buildBatch(codec === GZIP ? gzipSync(section) : section, records.length, { baseTimestamp: base, maxTimestamp: max, attributes: codec | (opts.attributes ?? 0) });
}

/** Rewrites bytes of a batch and fixes its CRC, as a buggy (not a damaged) producer would send them. */
function withValidCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

async function produce(parts: Array<{ topic: string; partition?: number; records: Buffer }>, version = 9) {
  const byTopic = new Map<string, Array<{ index: number; records: Buffer }>>();
  for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { index: p.partition ?? 0, records: p.records }]);
  const res = await wire.request(PRODUCE, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [...byTopic].map(([name, partitionData]) => ({ name, topicId: ZERO, partitionData })),
  });
  return res.responses.flatMap((t: any) => t.partitionResponses.map((p: any) => ({ topic: t.name, ...p })));
}

async function listOffset(topic: string, timestamp: bigint, partition = 0) {
  const res = await wire.request(LIST_OFFSETS, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }] });
  return res.topics[0].partitions[0];
}

async function fetchAll(topic: string, partition = 0): Promise<Buffer> {
  const res = await wire.request(FETCH, 12, fetchBody(topic, partition, 0n));
  return res.responses[0].partitions[0].records;
}

function batchesOf(records: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < records.length; ) {
    const size = records.readInt32BE(p + 8) + 12;
    out.push(records.subarray(p, p + size));
    p += size;
  }
  return out;
}

describe('the max timestamp of a batch comes from its records (CreateTime)', () => {
  for (const [name, codec] of [['uncompressed', 0], ['gzip', GZIP]] as const) {
    it(`${name}: a header max timestamp of -1 is replaced, so ListOffsets by time, the time index and Fetch see it`, async () => {
      const topic = `rr-maxts-${name}`;
      const t0 = Date.now() - 60_000;
      const first = await produce([{ topic, records: batchWith([rec('a', t0), rec('b', t0 + 1000), rec('c', t0 + 2000)], { codec, maxTimestamp: -1 }) }]);
      expect(first[0].errorCode).toBe(0);
      const second = await produce([{ topic, records: batchWith([rec('d', t0 + 3000), rec('e', t0 + 4000)], { codec, maxTimestamp: -1 }) }]);
      expect(second[0].baseOffset).toBe(3n);

      const at = await listOffset(topic, BigInt(t0 + 1500));
      expect(at.offset).toBe(2n);
      expect(at.timestamp).toBe(BigInt(t0 + 2000));
      expect((await listOffset(topic, BigInt(t0 + 2500))).offset).toBe(3n);
      const max = await listOffset(topic, -3n);
      expect(max.offset).toBe(4n);
      expect(max.timestamp).toBe(BigInt(t0 + 4000));

      const stored = batchesOf(await fetchAll(topic));
      expect(stored.length).toBe(2);
      expect(stored.map((b) => b.readBigInt64BE(35))).toEqual([BigInt(t0 + 2000), BigInt(t0 + 4000)]);
      for (const b of stored) {
        expect(b.readUInt32BE(17)).toBe(crc32c(b, 21));
        expect(b.readInt16BE(21) & 0x07).toBe(codec);
      }
      expect((await batchRecords(stored[0])).map((r) => [r.value!.toString(), Number(r.timestamp)])).toEqual([
        ['a', t0],
        ['b', t0 + 1000],
        ['c', t0 + 2000],
      ]);
    });
  }

  it('uncompressed: a max timestamp lower than a record, or higher than any, is corrected too', async () => {
    const topic = 'rr-maxts-wrong';
    const t0 = Date.now() - 60_000;
    await produce([{ topic, records: batchWith([rec('a', t0), rec('b', t0 + 5000)], { maxTimestamp: t0 }) }]);
    await produce([{ topic, records: batchWith([rec('c', t0 + 6000)], { maxTimestamp: t0 + 50_000 }) }]);
    expect((await listOffset(topic, BigInt(t0 + 1))).offset).toBe(1n);
    const stored = batchesOf(await fetchAll(topic));
    expect(stored.map((b) => Number(b.readBigInt64BE(35)))).toEqual([t0 + 5000, t0 + 6000]);
    expect(stored.every((b) => b.readUInt32BE(17) === crc32c(b, 21))).toBe(true);
  });

  it('a producer batch flagged LogAppendTime on a CreateTime topic is stored as CreateTime (as Kafka does)', async () => {
    const topic = 'rr-maxts-latflag';
    const t0 = Date.now() - 10_000;
    const [r] = await produce([{ topic, records: batchWith([rec('a', t0), rec('b', t0 + 10)], { attributes: LOG_APPEND_TIME }) }]);
    expect(r.errorCode).toBe(0);
    const [b] = batchesOf(await fetchAll(topic));
    expect(b.readInt16BE(21) & LOG_APPEND_TIME).toBe(0);
    expect(Number(b.readBigInt64BE(35))).toBe(t0 + 10);
    expect(b.readUInt32BE(17)).toBe(crc32c(b, 21));
  });

  it('a LogAppendTime topic stamps the broker time whatever the header says', async () => {
    const before = Date.now();
    const [r] = await produce([{ topic: 'rr-lat', records: batchWith([rec('a', 1000)], { maxTimestamp: -1 }) }]);
    expect(r.errorCode).toBe(0);
    expect(Number(r.logAppendTimeMs)).toBeGreaterThanOrEqual(before);
  });
});

describe('compacted topics refuse records without a key', () => {
  const message = (tp: string) => `Compacted topic cannot accept message without key in topic partition ${tp}`;

  for (const [name, codec] of [['uncompressed', 0], ['gzip', GZIP]] as const) {
    it(`${name}: INVALID_RECORD with a record error per keyless record; the other partitions succeed; nothing is stored`, async () => {
      const t = Date.now();
      const bad = batchWith([rec('a', t, 'k1'), rec('b', t, null), rec('c', t, 'k3'), rec('d', t, null)], { codec });
      const keyed = batchWith([rec('x', t, 'kx')], { codec });
      const before = (await listOffset('rr-compacted', -1n, 1)).offset;
      const rs = await produce([
        { topic: 'rr-compacted', partition: 0, records: bad },
        { topic: 'rr-compacted', partition: 1, records: keyed },
        { topic: `rr-plain-${name}`, records: batchWith([rec('y', t, null)], { codec }) },
      ]);
      const [compacted, ok, plain] = rs;
      expect(compacted.errorCode).toBe(87);
      expect(compacted.recordErrors).toEqual([
        { batchIndex: 1, batchIndexErrorMessage: message('rr-compacted-0') },
        { batchIndex: 3, batchIndexErrorMessage: message('rr-compacted-0') },
      ]);
      expect(compacted.errorMessage).toBe(
        'One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: ' +
          `[RecordError(batchIndex=1, message='${message('rr-compacted-0')}'), RecordError(batchIndex=3, message='${message('rr-compacted-0')}')]`,
      );
      expect(compacted.baseOffset).toBe(-1n);
      expect(ok.errorCode).toBe(0);
      expect(ok.baseOffset).toBe(before);
      expect(plain.errorCode).toBe(0);
      expect((await listOffset('rr-compacted', -1n, 0)).offset).toBe(0n);
      expect((await fetchAll('rr-compacted', 0)).length).toBe(0);
    });
  }

  it('a tombstone (key, null value) is accepted', async () => {
    const [r] = await produce([{ topic: 'rr-compacted', partition: 1, records: createBatch([{ key: Buffer.from('gone'), value: null }]) }]);
    expect(r.errorCode).toBe(0);
  });

  it('at Produce v7 (no record_errors in the response) the error code still says INVALID_RECORD', async () => {
    const [r] = await produce([{ topic: 'rr-compacted', records: batchWith([rec('a', Date.now(), null)]) }], 7);
    expect(r.errorCode).toBe(87);
  });
});

describe('timestamp bounds apply to every record (CreateTime)', () => {
  const outOfRange = /^Timestamp (-?\d+) of message with offset (\d+) is out of range\. The timestamp should be within \[(-?\d+), (-?\d+)\]$/;

  for (const [name, codec] of [['uncompressed', 0], ['gzip', GZIP]] as const) {
    it(`${name}: a record older than message.timestamp.before.max.ms behind a recent base timestamp is refused`, async () => {
      const now = Date.now();
      const old = now - 2 * 3600_000;
      const [r] = await produce([{ topic: 'rr-before', records: batchWith([rec('a', now), rec('b', old), rec('c', now)], { codec }) }]);
      expect(r.errorCode).toBe(32);
      expect(r.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
      expect(r.recordErrors.map((e: any) => e.batchIndex)).toEqual([1]);
      const m = outOfRange.exec(r.recordErrors[0].batchIndexErrorMessage)!;
      expect(m).not.toBeNull();
      expect(Number(m[1])).toBe(old);
      expect(m[2]).toBe('1');
      expect(Number(m[4]) - Number(m[3])).toBe(3600_000 + 3600_000);
      expect((await listOffset('rr-before', -1n)).offset).toBe(0n);
    });
  }

  it('a record too far in the future is named by its index, even when the header max timestamp hides it (uncompressed)', async () => {
    const now = Date.now();
    const [r] = await produce([{ topic: 'rr-future', records: batchWith([rec('a', now), rec('b', now), rec('c', now + 3 * 3600_000)], { maxTimestamp: now }) }]);
    expect(r.errorCode).toBe(32);
    expect(r.recordErrors.map((e: any) => e.batchIndex)).toEqual([2]);
    expect(r.recordErrors[0].batchIndexErrorMessage).toMatch(outOfRange);
  });

  it('gzip: a future record flagged by the header max timestamp is found by index', async () => {
    const now = Date.now();
    const [r] = await produce([{ topic: 'rr-future', records: batchWith([rec('a', now + 3 * 3600_000), rec('b', now)], { codec: GZIP }) }]);
    expect(r.errorCode).toBe(32);
    expect(r.recordErrors.map((e: any) => e.batchIndex)).toEqual([0]);
  });

  it('records without a timestamp (-1) are not checked against the bounds', async () => {
    const [r] = await produce([{ topic: 'rr-before', records: batchWith([rec('a', -1), rec('b', -1)], { baseTimestamp: -1, maxTimestamp: -1 }) }]);
    expect(r.errorCode).toBe(0);
  });

  it('key and timestamp errors together: INVALID_TIMESTAMP, every bad record listed', async () => {
    const now = Date.now();
    const [r] = await produce([{ topic: 'rr-compacted', records: batchWith([rec('a', now, null), rec('b', now + 3 * 3600_000, 'k'), rec('c', now, 'k')]) }]);
    expect(r.errorCode).toBe(32);
    expect(r.recordErrors.map((e: any) => e.batchIndex)).toEqual([0, 1]);
    expect(r.recordErrors[0].batchIndexErrorMessage).toMatch(/^Compacted topic cannot accept message without key/);
    expect(r.recordErrors[1].batchIndexErrorMessage).toMatch(outOfRange);
  });

  it('a producer batch flagged LogAppendTime on a LogAppendTime topic is refused record by record', async () => {
    const [r] = await produce([{ topic: 'rr-lat', records: batchWith([rec('a', Date.now()), rec('b', Date.now())], { attributes: LOG_APPEND_TIME }) }]);
    expect(r.errorCode).toBe(32);
    expect(r.recordErrors.map((e: any) => e.batchIndex)).toEqual([0, 1]);
    expect(r.recordErrors[0].batchIndexErrorMessage).toMatch(/^Invalid timestamp type in message DefaultRecord\(offset=0, timestamp=\d+, key=1 bytes, value=1 bytes\)\. Producer should not set timestamp type to LogAppendTime\.$/);
  });
});

describe('batch-level rules of LogValidator', () => {
  it('a batch with a producer id but no sequence number is INVALID_RECORD (not a sequence error)', async () => {
    const b = createBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }], { producerId: 1234n, producerEpoch: 0, baseSequence: -1 });
    const [r] = await produce([{ topic: 'rr-seq', records: b }]);
    expect(r.errorCode).toBe(87);
    expect(r.errorMessage).toBe('Invalid sequence number -1 in record batch with producerId 1234');
  });
});

describe('malformed records inside an intact batch', () => {
  it('a record whose length runs past the batch, and a count that leaves records over, are INVALID_RECORD', async () => {
    const t = Date.now();
    const long = batchWith([rec('a', t), rec('b', t)]);
    long[61] = 0x7e; // first record's length varint: 63 bytes, past the end of the batch
    const [r1] = await produce([{ topic: 'rr-malformed', records: withValidCrc(long) }]);
    expect(r1.errorCode).toBe(87);
    expect(r1.errorMessage).toMatch(/record/);

    const three = batchWith([rec('a', t), rec('b', t), rec('c', t)]);
    three.writeInt32BE(1, 23); // lastOffsetDelta
    three.writeInt32BE(2, 57); // recordCount: the third record is left over
    const [r2] = await produce([{ topic: 'rr-malformed', records: withValidCrc(three) }]);
    expect(r2.errorCode).toBe(87);
    expect(r2.errorMessage).toMatch(/records still remaining/);

    const headers = createBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }] }]);
    const hc = headers.indexOf(Buffer.from([0x02, 0x02, 0x68]), 61); // header count 1, key length 1, 'h'
    headers[hc] = 0x03; // header count -2
    const [r3] = await produce([{ topic: 'rr-malformed', records: withValidCrc(headers) }]);
    expect(r3.errorCode).toBe(87);
    expect((await listOffset('rr-malformed', -1n)).offset).toBe(0n);
  });

  it('a gzip payload that does not decompress is CORRUPT_MESSAGE where the broker must look inside', async () => {
    const junk = buildBatch(Buffer.from('definitely not gzip'), 1, { baseTimestamp: Date.now(), maxTimestamp: -1, attributes: GZIP });
    const [r] = await produce([{ topic: 'rr-malformed-gz', records: junk }]);
    expect(r.errorCode).toBe(2);
    const keyCheck = buildBatch(Buffer.from('definitely not gzip'), 1, { baseTimestamp: Date.now(), maxTimestamp: Date.now(), attributes: GZIP });
    const [r2] = await produce([{ topic: 'rr-compacted', records: keyCheck }]);
    expect(r2.errorCode).toBe(2);
  });

  it('random bytes inside the records of batches with valid CRCs: an error code or a clean append, never a crash', async () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const t = Date.now();
    const base = batchWith([rec('alpha', t, 'k1'), rec('beta', t + 1, 'k2'), { key: Buffer.from('k3'), value: Buffer.from('gamma'), timestamp: t + 2, headers: [{ key: 'h', value: Buffer.from('v') }] }]);
    const codes = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(base);
      const flips = 1 + Math.floor(rnd() * 3);
      for (let f = 0; f < flips; f++) b[61 + Math.floor(rnd() * (b.length - 61))] = Math.floor(rnd() * 256);
      const topic = i % 2 ? 'rr-fuzz' : 'rr-compacted';
      const [r] = await produce([{ topic, records: withValidCrc(b) }]);
      codes.add(r.errorCode);
      expect([0, 32, 87]).toContain(r.errorCode);
    }
    expect(codes.has(87)).toBe(true);
    const [ok] = await produce([{ topic: 'rr-fuzz', records: base }]);
    expect(ok.errorCode).toBe(0);
  });
});
