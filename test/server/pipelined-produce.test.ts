/**
 * Produce is pipelined per connection: once a request's batches have their offsets, the next
 * request on the connection is validated and appended while the first one's write is still under
 * way; responses still leave in request order, and offsets follow request order.
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type Broker } from '../../src/broker.js';
import { LogPartition } from '../../src/partitions/log-partitions.js';
import { KafkaWire, clientHost, encodeRequest, requestBody } from '../helpers/kafka-wire.js';
import { createBatch } from '../../src/protocol/records.js';

const PRODUCE = 0;
const API_VERSIONS = 18;

let broker: Broker;
let host: string;

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'num.partitions': 2 } });
  host = clientHost(broker.host);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await broker?.close();
});

function produceFrame(topic: string, partition: number, value: string, correlationId: number): Buffer {
  const records = createBatch([{ key: null, value: Buffer.from(value) }]);
  const body = { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, topicId: '00000000-0000-0000-0000-000000000000', partitionData: [{ index: partition, records }] }] };
  return encodeRequest(PRODUCE, 9, requestBody(PRODUCE, body), { correlationId });
}

describe('pipelined Produce', () => {
  it('appends the next request while the previous write is held, answers in request order, offsets in request order', async () => {
    const topic = 'pipelined';
    const c = await KafkaWire.connect(broker.port, host);
    // Creates the topic (auto-create on produce) so that the timed requests below only append.
    c.expect(PRODUCE, 9, 1);
    c.sendRaw(produceFrame(topic, 0, 'first', 1));
    expect((await c.receive(5000)).body.responses[0].partitionResponses[0].errorCode).toBe(0);

    // Every append is recorded; the write of the first one below is held until released.
    const appended: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holdNext = true;
    const original = LogPartition.prototype.append;
    vi.spyOn(LogPartition.prototype, 'append').mockImplementation(function (this: LogPartition, ...args) {
      const pending = original.apply(this, args);
      appended.push(`${this.topic}-${this.partition}`);
      if (!holdNext) return pending;
      holdNext = false;
      const written = pending.written.then(async (r) => (await held, r));
      return { written, committed: written };
    });

    c.expect(PRODUCE, 9, 2);
    c.expect(PRODUCE, 9, 3);
    c.expect(PRODUCE, 9, 4);
    c.expect(API_VERSIONS, 3, 5);
    c.sendRaw(
      Buffer.concat([
        produceFrame(topic, 0, 'a', 2), // held
        produceFrame(topic, 1, 'b', 3),
        produceFrame(topic, 0, 'c', 4), // same partition as the held one: must come after it
        encodeRequest(API_VERSIONS, 3, requestBody(API_VERSIONS, { clientSoftwareName: 'pipeline-test', clientSoftwareVersion: '1' }), { correlationId: 5 }),
      ]),
    );
    // The later requests are appended while the first is held, and nothing is answered before it.
    for (let i = 0; i < 100 && appended.length < 3; i++) await sleep(20);
    expect(appended).toEqual([`${topic}-0`, `${topic}-1`, `${topic}-0`]);
    await sleep(100);
    expect(c.framesAvailable).toBe(0);

    release();
    const r2 = await c.receive(5000);
    const r3 = await c.receive(5000);
    const r4 = await c.receive(5000);
    const r5 = await c.receive(5000);
    expect([r2, r3, r4, r5].map((r) => r.correlationId)).toEqual([2, 3, 4, 5]);
    const p2 = r2.body.responses[0].partitionResponses[0];
    const p4 = r4.body.responses[0].partitionResponses[0];
    expect(p2.errorCode).toBe(0);
    expect(p4.errorCode).toBe(0);
    // 'first' is offset 0 of partition 0; 'a' then 'c' follow it in request order.
    expect(p2.baseOffset).toBe(1n);
    expect(p4.baseOffset).toBe(2n);
    expect(r3.body.responses[0].partitionResponses[0].errorCode).toBe(0);
    expect(r5.body.errorCode).toBe(0);
    await c.close();
  });
});
