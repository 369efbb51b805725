import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire, encodeRequest, fetchBody } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';
import { batchRecords } from '../../src/protocol/batch-records.js';
import { crc32c } from '../../src/protocol/crc32c.js';

const PRODUCE = 0;
const FETCH = 1;
const LIST_OFFSETS = 2;
const METADATA = 3;

function batchOf(values: string[], opts: { timestamp?: number; key?: string } = {}): Buffer {
  return createBatch(
    values.map((v) => ({ key: opts.key ? Buffer.from(opts.key) : null, value: Buffer.from(v), timestamp: opts.timestamp })),
    { baseTimestamp: opts.timestamp },
  );
}

function produceBody(topic: string, parts: Array<{ index: number; records: Buffer | null }>, acks = 1, topicId?: string) {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, topicId: topicId ?? '00000000-0000-0000-0000-000000000000', partitionData: parts }] };
}

async function values(records: Buffer): Promise<string[]> {
  const out: string[] = [];
  let p = 0;
  while (p < records.length) {
    const size = records.readInt32BE(p + 8) + 12;
    for (const r of await batchRecords(records.subarray(p, p + size))) out.push(r.value!.toString());
    p += size;
  }
  return out;
}

let broker: Broker;
let wire: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'num.partitions': 2, 'message.max.bytes': 200_000 } });
  wire = await KafkaWire.connect(broker.port);
});
afterAll(async () => {
  await wire.close();
  await broker.close();
});

async function topicId(name: string): Promise<string> {
  const md = await wire.request(METADATA, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  return md.topics[0].topicId;
}

describe('Produce and Fetch', () => {
  it('produces at every served version and fetches the same records back at every Fetch version', async () => {
    const topic = 'pf-versions';
    let expected = 0n;
    for (let v = 3; v <= 13; v++) {
      const id = v >= 13 ? await topicId(topic) : undefined;
      const res = await wire.request(PRODUCE, v, produceBody(topic, [{ index: 0, records: batchOf([`v${v}-a`, `v${v}-b`]) }], 1, id));
      const p = res.responses[0].partitionResponses[0];
      expect(p.errorCode, `produce v${v}`).toBe(0);
      expect(p.baseOffset).toBe(expected);
      if (v >= 13) expect(res.responses[0].topicId).toBe(id);
      expected += 2n;
    }
    const id = await topicId(topic);
    for (let v = 4; v <= 18; v++) {
      const body = fetchBody(v >= 13 ? '' : topic, 0, 0n);
      if (v >= 13) (body.topics[0] as { topicId: string }).topicId = id;
      const res = await wire.request(FETCH, v, body);
      const part = res.responses[0].partitions[0];
      expect(part.errorCode, `fetch v${v}`).toBe(0);
      expect(part.highWatermark).toBe(expected);
      expect(part.preferredReadReplica ?? -1).toBe(-1);
      const got = await values(part.records);
      expect(got.length).toBe(22);
      expect(got[0]).toBe('v3-a');
      expect(got[21]).toBe('v13-b');
    }
  });

  it('Produce v0-v2 are answered UNSUPPORTED_FOR_MESSAGE_FORMAT', async () => {
    for (let v = 0; v <= 2; v++) {
      const res = await wire.request(PRODUCE, v, produceBody('pf-old', [{ index: 0, records: Buffer.alloc(30) }]));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(43);
    }
  });

  it('a bad partition never fails its neighbours', async () => {
    const good = batchOf(['ok']);
    const corrupt = Buffer.from(batchOf(['bad']));
    corrupt[corrupt.length - 1] ^= 0xff;
    const twoBatches = Buffer.concat([batchOf(['x']), batchOf(['y'])]);
    const res = await wire.request(PRODUCE, 9, {
      ...produceBody('pf-mixed', []),
      topicData: [
        { name: 'pf-mixed', partitionData: [{ index: 0, records: good }, { index: 1, records: corrupt }, { index: 7, records: good }] },
        { name: 'pf-mixed-2', partitionData: [{ index: 0, records: twoBatches }, { index: 1, records: null }] },
        { name: 'bad name!', partitionData: [{ index: 0, records: good }] },
      ],
    });
    const codes = res.responses.map((t: any) => t.partitionResponses.map((p: any) => p.errorCode));
    expect(codes).toEqual([[0, 2, 3], [87, 87], [17]]);
    expect(res.responses[0].partitionResponses[1].errorMessage).toMatch(/CRC/);
    expect(res.responses[1].partitionResponses[0].recordErrors.length).toBe(1);
  });

  it('refuses a batch over max.message.bytes with MESSAGE_TOO_LARGE and bad acks with INVALID_REQUIRED_ACKS', async () => {
    const big = batchOf(['x'.repeat(250_000)]);
    const res = await wire.request(PRODUCE, 9, produceBody('pf-big', [{ index: 0, records: big }]));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(10);
    const acks = await wire.request(PRODUCE, 9, produceBody('pf-big', [{ index: 0, records: batchOf(['a']) }], 2));
    expect(acks.responses[0].partitionResponses[0].errorCode).toBe(21);
  });

  it('refuses timestamps too far in the future with INVALID_TIMESTAMP and a record error', async () => {
    const res = await wire.request(PRODUCE, 8, produceBody('pf-ts', [{ index: 0, records: batchOf(['late'], { timestamp: Date.now() + 48 * 3600_000 }) }]));
    const p = res.responses[0].partitionResponses[0];
    expect(p.errorCode).toBe(32);
    expect(p.recordErrors[0].batchIndexErrorMessage).toMatch(/^Timestamp \d+ of message with offset 0 is out of range/);
  });

  it('acks=0 sends no response but appends', async () => {
    // Written raw: the helper would otherwise wait for an answer that never comes.
    wire.sendRaw(encodeRequest(PRODUCE, 9, produceBody('pf-acks0', [{ index: 0, records: batchOf(['silent']) }], 0), { correlationId: 4242 }));
    const res = await wire.request(LIST_OFFSETS, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'pf-acks0', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
    expect(res.topics[0].partitions[0].offset).toBe(1n);
  });

  it('a fetch in the middle of a batch returns the whole batch; out of range is OFFSET_OUT_OF_RANGE; empty is zero bytes', async () => {
    await wire.request(PRODUCE, 9, produceBody('pf-mid', [{ index: 0, records: batchOf(['a', 'b', 'c', 'd']) }]));
    const mid = await wire.request(FETCH, 11, fetchBody('pf-mid', 0, 2n));
    expect(await values(mid.responses[0].partitions[0].records)).toEqual(['a', 'b', 'c', 'd']);
    const end = await wire.request(FETCH, 11, fetchBody('pf-mid', 0, 4n));
    expect(end.responses[0].partitions[0].records).not.toBeNull();
    expect(end.responses[0].partitions[0].records.length).toBe(0);
    const oor = await wire.request(FETCH, 11, fetchBody('pf-mid', 0, 99n));
    expect(oor.responses[0].partitions[0].errorCode).toBe(1);
    const unknown = await wire.request(FETCH, 13, { ...fetchBody('', 0, 0n), topics: [{ ...fetchBody('', 0, 0n).topics[0], topicId: '12345678-1234-4234-8234-123456789012' }] });
    expect(unknown.responses[0].partitions[0].errorCode).toBe(100);
  });

  it('a long poll is woken by an append, and times out empty otherwise', async () => {
    await wire.request(PRODUCE, 9, produceBody('pf-poll', [{ index: 0, records: batchOf(['first']) }]));
    let t = Date.now();
    const idle = await wire.request(FETCH, 12, { ...fetchBody('pf-poll', 0, 1n), maxWaitMs: 300, minBytes: 1 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    expect(idle.responses[0].partitions[0].records.length).toBe(0);
    const other = await KafkaWire.connect(broker.port);
    t = Date.now();
    const waiting = wire.request(FETCH, 12, { ...fetchBody('pf-poll', 0, 1n), maxWaitMs: 10_000, minBytes: 1 });
    setTimeout(() => void other.request(PRODUCE, 9, produceBody('pf-poll', [{ index: 0, records: batchOf(['second']) }])), 200);
    const woke = await waiting;
    expect(Date.now() - t).toBeLessThan(5000);
    expect(await values(woke.responses[0].partitions[0].records)).toEqual(['second']);
    await other.close();
  });

  it('incremental fetch sessions: create, incremental with only news, forget, and the two session errors', async () => {
    const topic = 'pf-session';
    await wire.request(PRODUCE, 9, produceBody(topic, [{ index: 0, records: batchOf(['s0']) }, { index: 1, records: batchOf(['s1']) }]));
    const full = fetchBody(topic, 0, 0n, { sessionId: 0, sessionEpoch: 0 });
    full.topics[0].partitions.push({ ...full.topics[0].partitions[0], partition: 1 });
    const first = await wire.request(FETCH, 12, full);
    expect(first.sessionId).toBeGreaterThan(0);
    expect(first.responses[0].partitions.length).toBe(2);
    const sid = first.sessionId;
    // Incremental, naming nothing: offsets stay where the session has them (0), so both partitions have data again.
    const inc = (epoch: number, extra: Record<string, unknown> = {}) => ({ ...fetchBody(topic, 0, 0n), topics: [], sessionId: sid, sessionEpoch: epoch, ...extra });
    const second = await wire.request(FETCH, 12, { ...inc(1), topics: [{ ...full.topics[0], partitions: full.topics[0].partitions.map((p: any) => ({ ...p, fetchOffset: 1n })) }] });
    expect(second.errorCode).toBe(0);
    expect(second.responses.length).toBe(0); // nothing new at offset 1 in either partition
    await wire.request(PRODUCE, 9, produceBody(topic, [{ index: 1, records: batchOf(['s1-b']) }]));
    const third = await wire.request(FETCH, 12, inc(2));
    expect(third.responses[0].partitions.map((p: any) => p.partitionIndex)).toEqual([1]);
    expect(await values(third.responses[0].partitions[0].records)).toEqual(['s1-b']);
    const wrongEpoch = await wire.request(FETCH, 12, inc(7));
    expect(wrongEpoch.errorCode).toBe(71);
    const unknownSession = await wire.request(FETCH, 12, { ...inc(1), sessionId: sid + 1000 });
    expect(unknownSession.errorCode).toBe(70);
    const forget = await wire.request(FETCH, 12, inc(3, { forgottenTopicsData: [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [1] }] }));
    expect(forget.errorCode).toBe(0);
    await wire.request(PRODUCE, 9, produceBody(topic, [{ index: 1, records: batchOf(['s1-c']) }]));
    const afterForget = await wire.request(FETCH, 12, inc(4));
    expect(afterForget.responses.length).toBe(0);
  });
});

describe('ListOffsets', () => {
  it('earliest, latest, by timestamp, max timestamp and the v0 layout', async () => {
    const topic = 'lo-topic';
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 10; i++) await wire.request(PRODUCE, 9, produceBody(topic, [{ index: 0, records: batchOf([`m${i}`], { timestamp: t0 + i * 1000 }) }]));
    const ask = async (v: number, timestamp: bigint) =>
      (await wire.request(LIST_OFFSETS, v, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }], timeoutMs: 1000 })).topics[0].partitions[0];
    expect((await ask(5, -2n)).offset).toBe(0n);
    expect((await ask(5, -1n)).offset).toBe(10n);
    const byTs = await ask(5, BigInt(t0 + 3500));
    expect(byTs.offset).toBe(4n);
    expect(byTs.timestamp).toBe(BigInt(t0 + 4000));
    expect((await ask(5, BigInt(t0 + 999_999))).offset).toBe(-1n);
    const max = await ask(7, -3n);
    expect(max.offset).toBe(9n);
    expect((await ask(0, -1n)).oldStyleOffsets).toEqual([10n]);
    expect((await ask(10, -1n)).leaderEpoch).toBe(0);
  });

  it('special timestamps as Kafka (KIP-734, KIP-1005): each from the version that introduced it, -5 without tiered storage is -1/-1', async () => {
    const topic = 'lo-special';
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 4; i++) await wire.request(PRODUCE, 9, produceBody(topic, [{ index: 0, records: batchOf([`s${i}`], { timestamp: t0 + [5, 9, 2, 7][i] * 1000 }) }]));
    const ask = async (v: number, timestamp: bigint) =>
      (await wire.request(LIST_OFFSETS, v, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }], timeoutMs: 1000 })).topics[0].partitions[0];
    const answer = (p: any) => ({ errorCode: p.errorCode, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
    const unsupported = { errorCode: 35, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    // -5 latest tiered: no tiered storage, so no offset and no epoch (UnifiedLog), from v9.
    expect(answer(await ask(9, -5n))).toEqual({ errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
    expect(answer(await ask(10, -5n))).toEqual({ errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
    expect(answer(await ask(8, -5n))).toEqual(unsupported);
    // -4 earliest local: the log start offset without tiered storage, from v8.
    expect(answer(await ask(8, -4n))).toEqual({ errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    expect(answer(await ask(7, -4n))).toEqual(unsupported);
    // -3 max timestamp: the record with the largest timestamp and that timestamp, from v7.
    expect(answer(await ask(7, -3n))).toEqual({ errorCode: 0, offset: 1n, timestamp: BigInt(t0 + 9000), leaderEpoch: 0 });
    expect(answer(await ask(6, -3n))).toEqual(unsupported);
    // A negative timestamp that is no special one (-6 needs v11, which is not served).
    expect(answer(await ask(10, -6n))).toEqual(unsupported);
    expect(answer(await ask(10, -42n))).toEqual(unsupported);
    expect((await ask(0, -3n)).errorCode).toBe(35);
    // The check comes before the partition lookup, as in Kafka's ReplicaManager.
    const unknown = await wire.request(LIST_OFFSETS, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'lo-no-such', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -4n }] }] });
    expect(unknown.topics[0].partitions[0].errorCode).toBe(35);
    // -1 and -2 are served from v0 on.
    expect((await ask(0, -2n)).oldStyleOffsets).toEqual([0n]);
    expect((await ask(1, -1n)).offset).toBe(4n);
  });
});

describe('hostile produce input', () => {
  it('random record bytes get an error code, never a crash', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
      if (junk.length > 20 && rnd() < 0.5) junk.writeInt32BE(junk.length - 12, 8);
      const res = await wire.request(PRODUCE, 9, produceBody('pf-junk', [{ index: 0, records: junk }]));
      expect(res.responses[0].partitionResponses[0].errorCode).not.toBe(0);
    }
    // A batch with a valid CRC but lying record count.
    const b = Buffer.from(batchOf(['a', 'b']));
    b.writeInt32BE(5, 57);
    b.writeUInt32BE(crc32c(b, 21), 17);
    const res = await wire.request(PRODUCE, 9, produceBody('pf-junk', [{ index: 0, records: b }]));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(87);
  });
});

describe('Fetch claiming to come from a replica', () => {
  it('is refused with NOT_LEADER_OR_FOLLOWER on a single node (no followers), by replica id (v12) and replica state (v15), and the broker keeps serving', async () => {
    const topic = 'pf-replica-claim';
    await wire.request(PRODUCE, 9, produceBody(topic, [{ index: 0, records: batchOf(['a']) }], 1));
    for (const [v, extra] of [
      [12, { replicaId: 2 }],
      [12, { replicaId: 2147483647 }],
      [15, { replicaState: { replicaId: 7, replicaEpoch: 1n } }],
    ] as const) {
      const body = fetchBody(topic, 0, 0n, extra);
      if (v >= 13) body.topics[0].topicId = await topicId(topic);
      const res = await wire.request(FETCH, v, body);
      expect(res.responses[0].partitions[0].errorCode, `v${v} ${JSON.stringify(extra, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`).toBe(6);
      expect(res.responses[0].partitions[0].records.length).toBe(0);
    }
    const ok = await wire.request(FETCH, 12, fetchBody(topic, 0, 0n));
    expect(ok.responses[0].partitions[0].errorCode).toBe(0);
    expect(ok.responses[0].partitions[0].records.length).toBeGreaterThan(0);
  });
});
