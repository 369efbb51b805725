/**
 * Pipelining: responses leave in request order with their correlation ids, however long each
 * request takes, and a client that does not read its responses makes the broker stop reading.
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type Broker } from '../../src/broker.js';
import { handlerRegistry } from '../../src/handlers/index.js';
import { KafkaWire, apiVersionsWorks, clientHost, encodeRequest, prng, requestBody } from '../helpers/kafka-wire.js';

let broker: Broker;
let host: string;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  host = clientHost(broker.host);
});

afterAll(async () => {
  await broker?.close();
});

interface Sent {
  apiKey: number;
  version: number;
  correlationId: number;
  /** Topic auto-created by this request, if any. */
  creates?: string;
}

describe('pipelined requests', () => {
  it('come back in request order with matching correlation ids (mixed APIs and versions, slow and fast)', async () => {
    const c = await KafkaWire.connect(broker.port, host);
    const rand = prng(7);
    const sent: Sent[] = [];
    const usedIds = new Set<number>();
    const frames: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      let correlationId: number;
      do correlationId = (Math.floor(rand() * 2 ** 32) | 0) >> 0;
      while (usedIds.has(correlationId));
      usedIds.add(correlationId);
      const kind = i % 5;
      let s: Sent;
      let body: Record<string, unknown>;
      if (kind === 0) {
        // Auto-creates a topic: waits for an fsync'd write, so it finishes after the fast ones behind it.
        const version = [1, 4, 9, 12][Math.floor(i / 5) % 4];
        const name = `order-${i}`;
        s = { apiKey: 3, version, correlationId, creates: name };
        body = { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name }], allowAutoTopicCreation: true };
      } else if (kind === 1 || kind === 3) {
        const version = Math.floor(rand() * 5);
        s = { apiKey: 18, version, correlationId };
        body = { clientSoftwareName: 'order-test', clientSoftwareVersion: '1.0' };
      } else if (kind === 2) {
        const version = Math.floor(rand() * 14);
        s = { apiKey: 3, version, correlationId };
        body = { topics: version === 0 ? [] : null };
      } else {
        const version = Math.floor(rand() * 3);
        s = { apiKey: 60, version, correlationId };
        body = {};
      }
      sent.push(s);
      c.expect(s.apiKey, s.version, correlationId);
      frames.push(encodeRequest(s.apiKey, s.version, requestBody(s.apiKey, body), { correlationId }));
    }
    // Everything in one write: the broker sees many frames per chunk, more than it handles at once.
    c.sendRaw(Buffer.concat(frames));

    for (const s of sent) {
      const res = await c.receive(3000); // decodes with s's API and version, checks the correlation id
      expect(res.correlationId).toBe(s.correlationId);
      if (s.apiKey === 18) expect(res.body.errorCode).toBe(0);
      if (s.apiKey === 60) expect(res.body.errorCode).toBe(0);
      if (s.creates) {
        expect(res.body.topics).toHaveLength(1);
        expect(res.body.topics[0].name).toBe(s.creates);
        expect(res.body.topics[0].errorCode).toBe(5); // LEADER_NOT_AVAILABLE: just created
      }
    }
    expect(c.framesAvailable).toBe(0);
    expect(c.closed).toBe(false);
    await c.close();
  });

  for (const n of [64, 65, 200]) {
    it(`${n} requests arriving in one write are all answered (the in-flight window is 64)`, async () => {
      const c = await KafkaWire.connect(broker.port, host);
      const frames: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        frames.push(encodeRequest(18, 0, requestBody(18), { correlationId: 1000 + i }));
        c.expect(18, 0, 1000 + i);
      }
      c.sendRaw(Buffer.concat(frames)); // ~24 bytes each: one TCP segment, one 'data' event
      let answered = 0;
      try {
        for (let i = 0; i < n; i++) {
          expect((await c.receive(2000)).correlationId).toBe(1000 + i);
          answered++;
        }
      } finally {
        if (answered < n) console.log(`${n} pipelined requests: only ${answered} answered`);
        c.destroy();
      }
      expect(answered).toBe(n);
    });
  }

  it('requests sent in separate writes interleaved with reads keep their order', async () => {
    const c = await KafkaWire.connect(broker.port, host);
    const ids: number[] = [];
    for (let round = 0; round < 20; round++) {
      ids.push(c.send(3, 9, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: `interleave-${round}` }] }));
      ids.push(c.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
      ids.push(c.send(18, 0, {}));
      const first = await c.receive();
      expect(first.correlationId).toBe(ids.shift());
    }
    while (c.inFlight > 0) expect((await c.receive()).correlationId).toBe(ids.shift());
    expect(ids).toEqual([]);
    await c.close();
  });
});

describe('a client that does not read its responses', () => {
  it('makes the broker stop reading (bounded buffering), and gets every response once it reads', async () => {
    // Counts the Metadata requests the broker has started to handle (only this test sends Metadata now).
    const handled = vi.spyOn(handlerRegistry.get(3)!, 'handle');
    const c = await KafkaWire.connect(broker.port, host);
    try {
      c.pause(); // never read until told otherwise
      // ~100 KB requests whose ~100 KB responses echo invalid (too long) topic names.
      const names = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(10_000, 'n'));
      const body = requestBody(3, { topics: names.map((name) => ({ topicId: '00000000-0000-0000-0000-000000000000', name })) });
      const template = encodeRequest(3, 1, body, { correlationId: 0 });
      const CAP = 1000; // 100 MB: far more than socket buffers plus the broker's in-flight window can hold
      let sent = 0;
      let blocked = false;
      const started = Date.now();
      while (sent < CAP) {
        const frame = Buffer.from(template);
        frame.writeInt32BE(sent, 8); // correlation id
        c.expect(3, 1, sent);
        const ok = c.sendRaw(frame);
        sent++;
        if (!ok) {
          const drained = await Promise.race([once(c.socket, 'drain').then(() => true), sleep(500).then(() => false)]);
          if (!drained) {
            blocked = true;
            break;
          }
        }
      }
      const handledAtBlock = handled.mock.calls.length;
      await sleep(300);
      const handledLater = handled.mock.calls.length;
      console.log(
        `slow reader: sent ${sent} requests (${((sent * template.length) / 2 ** 20).toFixed(1)} MiB) in ${Date.now() - started} ms before the writes blocked; broker handled ${handledLater}`,
      );
      expect(blocked).toBe(true);
      expect(sent).toBeLessThan(CAP);
      expect(handledLater).toBe(handledAtBlock); // it really stopped, it is not just slow
      expect(handledLater).toBeLessThan(sent);

      // Other clients are served meanwhile.
      expect(await apiVersionsWorks(broker.port, host)).toBe(true);

      c.resume();
      for (let i = 0; i < sent; i++) {
        const res = await c.receive(10_000);
        expect(res.correlationId).toBe(i);
        expect(res.body.topics).toHaveLength(10);
        expect(res.body.topics[9].errorCode).toBe(17);
      }
      expect(c.closed).toBe(false);
    } finally {
      handled.mockRestore();
      c.destroy();
    }
  });
});
