/**
 * Hostile and broken input on the wire: every case must end with the bad connection closed (or
 * simply waiting for more bytes) and the broker still serving a fresh connection.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startBroker, type Broker } from '../../src/broker.js';
import { handlerRegistry } from '../../src/handlers/index.js';
import { createBatch } from '../../src/protocol/records.js';
import { KafkaWire, apiVersionsWorks, clientHost, decodeResponse, encodeRequest, prng, rawFrame, requestBody } from '../helpers/kafka-wire.js';

const MAX = 1000;
let broker: Broker;
const brokerErrors: Array<Record<string, unknown>> = [];
let host: string;
const open: KafkaWire[] = [];

async function conn(): Promise<KafkaWire> {
  const c = await KafkaWire.connect(broker.port, host);
  open.push(c);
  return c;
}

/** The broker still answers ApiVersions on a new connection. */
async function expectAlive(): Promise<void> {
  expect(await apiVersionsWorks(broker.port, host)).toBe(true);
}

/** Sends `bytes` and expects the broker to close the connection without answering. */
async function expectRefused(bytes: Buffer): Promise<void> {
  const c = await conn();
  c.sendRaw(bytes);
  expect(await c.waitClosed(3000)).toBe(true);
  expect(c.bytesReceived).toBe(0);
  await expectAlive();
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

beforeAll(async () => {
  // Errors the broker logs: a handler that throws on a request that decoded is a bug (it should
  // answer with an error code); malformed bytes only ever warn ('closing connection').
  const logger = pino({ level: 'error' }, { write: (line: string) => void brokerErrors.push(JSON.parse(line)) });
  broker = await startBroker({ port: 0, logger, config: { 'socket.request.max.bytes': MAX } });
  host = clientHost(broker.host);
});

afterEach(async () => {
  for (const c of open.splice(0)) c.destroy();
});

afterAll(async () => {
  await broker?.close();
});

describe('framing', () => {
  it('a truncated frame followed by a close leaves the broker up', async () => {
    const c = await conn();
    const frame = encodeRequest(18, 0, requestBody(18), { correlationId: 1 });
    c.sendRaw(frame.subarray(0, frame.length - 3));
    await c.close();
    expect(c.bytesReceived).toBe(0);
    await expectAlive();
  });

  it('a frame that stops half-way is waited for, then answered when it completes', async () => {
    const c = await conn();
    const frame = encodeRequest(18, 2, requestBody(18), { correlationId: 77 });
    c.expect(18, 2, 77);
    c.sendRaw(frame.subarray(0, 6)); // size prefix and part of the header
    await sleep(150);
    expect(c.closed).toBe(false);
    expect(c.framesAvailable).toBe(0);
    c.sendRaw(frame.subarray(6));
    const res = await c.receive();
    expect(res.correlationId).toBe(77);
    expect(res.body.errorCode).toBe(0);
    await expectAlive();
  });

  it('a size prefix above socket.request.max.bytes closes the connection from the first 4 bytes', async () => {
    await expectRefused(int32(MAX + 1));
    await expectRefused(int32(0x7fffffff));
  });

  it('a frame of exactly socket.request.max.bytes is served, one byte more is refused', async () => {
    // ApiVersions v0: header v1 is 10 bytes + client id, the body is empty.
    const ok = encodeRequest(18, 0, requestBody(18), { correlationId: 5, clientId: 'x'.repeat(MAX - 10) });
    expect(ok.readInt32BE(0)).toBe(MAX);
    const c = await conn();
    c.expect(18, 0, 5);
    c.sendRaw(ok);
    const res = await c.receive();
    expect(res.body.errorCode).toBe(0);

    const tooBig = encodeRequest(18, 0, requestBody(18), { correlationId: 6, clientId: 'x'.repeat(MAX - 9) });
    expect(tooBig.readInt32BE(0)).toBe(MAX + 1);
    await expectRefused(tooBig);
  });

  it('a negative size prefix closes the connection', async () => {
    await expectRefused(int32(-1));
    await expectRefused(int32(-0x80000000));
  });

  it('a frame of 0 bytes closes the connection', async () => {
    await expectRefused(int32(0));
  });

  it('a frame shorter than a request header closes the connection', async () => {
    await expectRefused(Buffer.concat([int32(6), Buffer.from([0, 18, 0, 0, 0, 1])]));
  });

  it('requests written one byte at a time are still answered correctly and in order', async () => {
    const c = await conn();
    const frames = [
      encodeRequest(18, 3, requestBody(18, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1.0' }), { correlationId: 1001 }),
      encodeRequest(3, 12, requestBody(3, { topics: [] }), { correlationId: 1002 }),
      encodeRequest(18, 0, requestBody(18), { correlationId: 1003 }),
    ];
    c.expect(18, 3, 1001);
    c.expect(3, 12, 1002);
    c.expect(18, 0, 1003);
    await c.writeSlowly(Buffer.concat(frames), 1, 0);
    const a = await c.receive();
    const b = await c.receive();
    const d = await c.receive();
    expect([a.correlationId, b.correlationId, d.correlationId]).toEqual([1001, 1002, 1003]);
    expect(a.body.errorCode).toBe(0);
    expect(a.body.apiKeys.map((k: { apiKey: number }) => k.apiKey)).toContain(3);
    expect(b.body.brokers).toHaveLength(1);
    expect(b.body.brokers[0].nodeId).toBe(broker.nodeId);
    expect(d.body.errorCode).toBe(0);
  });
});

describe('headers and bodies that lie', () => {
  it('an unknown API key closes the connection', async () => {
    await expectRefused(rawFrame(9999, 0, 1));
    await expectRefused(rawFrame(-1, 0, 1));
  });

  it('a known API at an unknown version closes the connection', async () => {
    await expectRefused(rawFrame(3, 99, 1, Buffer.alloc(4)));
    await expectRefused(rawFrame(3, -1, 1, Buffer.alloc(4)));
    await expectRefused(rawFrame(60, 3, 1, Buffer.alloc(4)));
  });

  it('ApiVersions at a negative version closes the connection', async () => {
    await expectRefused(rawFrame(18, -1, 1));
  });

  it('a client id longer than the frame closes the connection', async () => {
    const f = rawFrame(18, 0, 1, Buffer.alloc(0), 'abc');
    f.writeInt16BE(500, 12); // client id length
    await expectRefused(f);
  });

  it('Metadata v1 with a topic count of 2^31-1 closes the connection', async () => {
    await expectRefused(rawFrame(3, 1, 1, int32(0x7fffffff)));
  });

  it('Metadata v0 with a negative (null) topic count closes the connection', async () => {
    await expectRefused(rawFrame(3, 0, 1, int32(-1)));
  });

  it('Metadata with a topic name longer than the frame closes the connection', async () => {
    const body = Buffer.alloc(4 + 2 + 3);
    body.writeInt32BE(1, 0);
    body.writeInt16BE(500, 4);
    body.write('abc', 6);
    await expectRefused(rawFrame(3, 1, 1, body));
  });

  it('Metadata with a negative string length closes the connection', async () => {
    const body = Buffer.alloc(4 + 2);
    body.writeInt32BE(1, 0);
    body.writeInt16BE(-2, 4);
    await expectRefused(rawFrame(3, 4, 1, Buffer.concat([body, Buffer.from([1])])));
  });

  it('flexible Metadata v12 with a huge compact array count closes the connection', async () => {
    // request header v2: key, version, correlation id, client id (int16 string), tagged fields
    const header = Buffer.from([0, 3, 0, 12, 0, 0, 0, 1, 0, 1, 0x61, 0]);
    const body = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0, 0, 0]); // uvarint 2^31-1 as count+1
    await expectRefused(Buffer.concat([int32(header.length + body.length), header, body]));
  });

  it('a varint longer than 5 bytes closes the connection', async () => {
    const header = Buffer.from([0, 3, 0, 12, 0, 0, 0, 1, 0, 1, 0x61, 0]);
    const body = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0]);
    await expectRefused(Buffer.concat([int32(header.length + body.length), header, body]));
  });

  it('ApiVersions v3 whose compact string length runs past the frame closes the connection', async () => {
    const header = Buffer.from([0, 18, 0, 3, 0, 0, 0, 1, 0, 1, 0x61, 0]);
    const body = Buffer.from([0x7f, 0x61, 0x62]); // length 126, 2 bytes present
    await expectRefused(Buffer.concat([int32(header.length + body.length), header, body]));
  });

  it('tagged fields out of order close the connection', async () => {
    const header = Buffer.from([0, 18, 0, 3, 0, 0, 0, 1, 0, 1, 0x61, 2, 5, 0, 3, 0]); // tags 5 then 3
    const body = Buffer.from([2, 0x61, 2, 0x61, 0]);
    await expectRefused(Buffer.concat([int32(header.length + body.length), header, body]));
  });

  it('a client that disconnects while its requests are being handled does not hurt the broker', async () => {
    for (let round = 0; round < 5; round++) {
      const c = await conn();
      const frames: Buffer[] = [];
      for (let i = 0; i < 30; i++) {
        // Auto-creations wait for the disk: the responses are due after the socket is gone.
        frames.push(encodeRequest(3, 9, requestBody(3, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: `gone-${round}-${i}` }] }), { correlationId: i }));
      }
      c.sendRaw(Buffer.concat(frames));
      if (round % 2 === 0) c.destroy(); // reset
      else c.socket.end(); // half-close: no more requests, but still reading
      await sleep(20);
    }
    await sleep(200);
    await expectAlive();
  });

  it('after a refused request on one connection, a healthy pipelined connection is not disturbed', async () => {
    const good = await conn();
    good.send(18, 0, {});
    const bad = await conn();
    bad.sendRaw(rawFrame(9999, 0, 1));
    good.send(3, 1, { topics: null });
    expect(await bad.waitClosed()).toBe(true);
    expect((await good.receive()).body.errorCode).toBe(0);
    expect((await good.receive()).body.brokers).toHaveLength(1);
    expect(good.closed).toBe(false);
  });
});

describe('random bytes', () => {
  const SEED = Number(process.env.HOSTILE_SEED ?? 20240601);
  const LANES = 6;
  const PER_LANE = Number(process.env.HOSTILE_PER_LANE ?? 40);

  const Z = '00000000-0000-0000-0000-000000000000';
  const T = 'fuzz-topic';
  const batch = createBatch([
    { key: Buffer.from('k1'), value: Buffer.from('value one') },
    { key: null, value: Buffer.from('value two'), headers: [{ key: 'h', value: Buffer.from('x') }] },
  ]);
  /** Valid requests of every served API this corpus knows, at a few versions each (filtered by the registry). */
  const CORPUS: Array<[number, number[], Record<string, unknown>]> = [
    [18, [0, 1, 2, 3, 4], { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }],
    [3, [0, 1, 4, 8, 9, 10, 12, 13], { topics: [{ topicId: Z, name: T }] }],
    [60, [0, 1, 2], {}],
    [0, [3, 7, 9, 11], { acks: 1, timeoutMs: 1000, topicData: [{ name: T, topicId: Z, partitionData: [{ index: 0, records: batch }] }] }],
    [
      1,
      [4, 7, 11, 12],
      {
        maxWaitMs: 0,
        minBytes: 0,
        topics: [
          {
            topic: T,
            topicId: Z,
            partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 65536, replicaDirectoryId: Z, highWatermark: 0n }],
          },
        ],
      },
    ],
    [2, [1, 4, 7], { topics: [{ name: T, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] }],
  ];
  function served(key: number, version: number): boolean {
    const h = handlerRegistry.get(key);
    return h !== undefined && version >= h.minVersion && version <= h.maxVersion;
  }
  const VALID: Array<() => Buffer> = CORPUS.flatMap(([key, versions, body]) =>
    versions.filter((v) => served(key, v)).map((v) => () => encodeRequest(key, v, requestBody(key, body), { correlationId: 4242 })),
  );

  /** Garbage of four shapes: pure noise, a plausible size + noise, a served API header + noise, a mutated valid request. */
  function garbage(rand: () => number): Buffer {
    const len = (n: number): number => Math.floor(rand() * n);
    const noise = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => len(256)));
    const shape = len(4);
    if (shape === 0) return noise(len(300));
    if (shape === 1) {
      const body = noise(len(MAX));
      return Buffer.concat([int32(body.length), body]);
    }
    if (shape === 2) {
      const keys = [...handlerRegistry.keys()];
      const key = keys[len(keys.length)];
      const version = len(16) - 1;
      const head = Buffer.alloc(8);
      head.writeInt16BE(key, 0);
      head.writeInt16BE(version, 2);
      head.writeInt32BE(len(1 << 30), 4);
      const rest = noise(len(120));
      return Buffer.concat([int32(head.length + rest.length), head, rest]);
    }
    // A valid request with a few bytes changed after the size prefix (and sometimes cut or extended).
    const frame = Buffer.from(VALID[len(VALID.length)]());
    const flips = 1 + len(3);
    for (let i = 0; i < flips; i++) frame[4 + len(frame.length - 4)] = len(256);
    const cut = rand();
    if (cut < 0.15) return frame.subarray(0, 4 + len(frame.length - 4));
    if (cut < 0.3) {
      const extra = noise(1 + len(20));
      const out = Buffer.concat([frame, extra]);
      out.writeInt32BE(out.length - 4, 0);
      return out;
    }
    return frame;
  }

  /** Any response the broker sends must answer the frame it got: same correlation id, a decodable body. */
  function checkAnswer(sent: Buffer, frame: Buffer): void {
    const key = sent.readInt16BE(4);
    const version = sent.readInt16BE(6);
    const correlationId = sent.readInt32BE(8);
    expect(frame.readInt32BE(0)).toBe(correlationId);
    if (served(key, version)) expect(() => decodeResponse(key, version, frame)).not.toThrow();
    else if (key === 18) expect(() => decodeResponse(18, 0, frame)).not.toThrow();
    else throw new Error(`answer to unserved API ${key} v${version}`);
  }

  it(`${LANES * PER_LANE} random inputs on ${LANES} concurrent connections never take the broker down (seed ${SEED})`, { timeout: 30_000 + PER_LANE * 200 }, async () => {
    console.log(`hostile-input random seed: ${SEED} (set HOSTILE_SEED to replay); corpus of ${VALID.length} valid requests`);
    const setup = await conn();
    expect((await setup.request(3, 1, { topics: [{ topicId: Z, name: T }] })).topics[0].name).toBe(T);
    const errorsBefore = brokerErrors.length;
    let answered = 0;
    let refused = 0;
    const lane = async (n: number): Promise<void> => {
      const rand = prng(SEED + n);
      for (let i = 0; i < PER_LANE; i++) {
        const c = await KafkaWire.connect(broker.port, host);
        const bytes = garbage(rand);
        // Half of the time in one write, otherwise in a few pieces.
        if (rand() < 0.5) c.sendRaw(bytes);
        else await c.writeSlowly(bytes, 1 + Math.floor(rand() * 16));
        const closedByBroker = await c.waitClosed(60);
        if (closedByBroker) refused++;
        if (c.framesAvailable > 0) {
          answered++;
          // Only a complete first frame can have been answered.
          checkAnswer(bytes.subarray(0, 4 + bytes.readInt32BE(0)), await c.readFrame());
        }
        await c.close(); // a frame still incomplete: our close must end it
        expect(c.closed).toBe(true);
        await expectAlive();
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
    console.log(`random inputs: ${LANES * PER_LANE} sent, ${refused} closed by the broker, ${answered} answered`);
    expect(refused).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
    const failures = brokerErrors.slice(errorsBefore).map((e) => `${e.msg} (API ${e.apiKey} v${e.apiVersion}): ${JSON.stringify(e.err)}`);
    expect(failures, 'handlers that threw instead of answering').toEqual([]);
    await expectAlive();
  });
});

describe('after all the hostile input', () => {
  it('no handler threw on a request that decoded (errors are answered, malformed bytes only close)', async () => {
    await expectAlive();
    expect(brokerErrors.map((e) => `${e.msg} (API ${e.apiKey} v${e.apiVersion})`)).toEqual([]);
  });
});
