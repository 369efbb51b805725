/**
 * ApiVersions (key 18): what is advertised is exactly what is served; a version newer than served is
 * answered in the v0 layout; the response header is always v0.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { advertisedRanges, handlers } from '../../src/handlers/index.js';
import { KafkaWire, clientHost, decodeResponse, encodeRequest, requestBody } from '../helpers/kafka-wire.js';

let broker: Broker;
let host: string;
const served = advertisedRanges();

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  host = clientHost(broker.host);
});

afterAll(async () => {
  await broker?.close();
});

async function withConn<T>(fn: (c: KafkaWire) => Promise<T>): Promise<T> {
  const c = await KafkaWire.connect(broker.port, host);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const keyList = (keys: Array<{ apiKey: number; minVersion: number; maxVersion: number }>) =>
  keys.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));

/** ApiVersions v5 as a client that knows v5 would send it: request header v2, compact strings, tagged fields. */
function apiVersionsV5(correlationId: number): Buffer {
  const clientId = Buffer.from('future-client');
  const header = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 1);
  let p = header.writeInt16BE(18, 0);
  p = header.writeInt16BE(5, p);
  p = header.writeInt32BE(correlationId, p);
  p = header.writeInt16BE(clientId.length, p);
  p += clientId.copy(header, p);
  header[p] = 0; // no tagged fields
  const name = Buffer.from('future-client');
  const version = Buffer.from('9.9.9');
  const body = Buffer.concat([Buffer.from([name.length + 1]), name, Buffer.from([version.length + 1]), version, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

describe('ApiVersions', () => {
  it('the registry serves a sane set of APIs', () => {
    expect(served.map((r) => r.apiKey)).toEqual([...handlers].map((h) => h.apiKey).sort((a, b) => a - b));
    expect(served.map((r) => r.apiKey)).toContain(18);
    for (const r of served) expect(r.minVersion).toBeLessThanOrEqual(r.maxVersion);
  });

  for (const v of [0, 1, 2, 3, 4]) {
    it(`v${v} answers error 0 and exactly the served APIs`, async () => {
      const body = await withConn((c) => c.request(18, v, { clientSoftwareName: 'runnel-test', clientSoftwareVersion: '1.2.3' }));
      expect(body.errorCode).toBe(0);
      expect(keyList(body.apiKeys)).toEqual(served);
      if (v >= 1) expect(body.throttleTimeMs).toBe(0);
    });
  }

  it('every advertised API and version is really served (a request at each version is answered)', async () => {
    await withConn(async (c) => {
      for (const r of served) {
        for (let v = r.minVersion; v <= r.maxVersion; v++) {
          // Default bodies, made to be answered at once: Metadata for no topic, Produce with acks=1
          // (acks=0 has no response), Fetch without waiting. One at a time: this is not a pipelining test.
          const body =
            r.apiKey === 3
              ? { topics: v === 0 ? [] : null }
              : { clientSoftwareName: 'a', clientSoftwareVersion: '1', acks: 1, timeoutMs: 1000, maxWaitMs: 0 };
          c.send(r.apiKey, v, requestBody(r.apiKey, body));
          const res = await c.receive(3000).catch((err: Error) => {
            throw new Error(`API ${r.apiKey} v${v}: ${err.message}`);
          });
          expect(res.apiKey).toBe(r.apiKey);
        }
      }
      expect(c.closed).toBe(false);
    });
  });

  it('v5 (newer than served) is answered in the v0 layout with UNSUPPORTED_VERSION and the full list', async () => {
    await withConn(async (c) => {
      c.sendRaw(apiVersionsV5(0x01020304));
      const frame = await c.readFrame();
      // Response header v0: the correlation id and nothing else (no tagged-field byte).
      expect(frame.readInt32BE(0)).toBe(0x01020304);
      // ApiVersions v0 body: int16 error, int32 count, count × (int16 key, int16 min, int16 max). No throttle time.
      expect(frame.readInt16BE(4)).toBe(35);
      const n = frame.readInt32BE(6);
      expect(n).toBe(served.length);
      expect(frame.length).toBe(4 + 2 + 4 + 6 * n);
      const keys = [];
      for (let i = 0; i < n; i++) {
        const o = 10 + 6 * i;
        keys.push({ apiKey: frame.readInt16BE(o), minVersion: frame.readInt16BE(o + 2), maxVersion: frame.readInt16BE(o + 4) });
      }
      expect(keys).toEqual(served);
      // The generated v0 decoder agrees.
      const decoded = decodeResponse(18, 0, frame);
      expect(decoded.body.errorCode).toBe(35);
      // The connection stays usable: the client retries at a version the broker serves.
      const retry = await c.request(18, 3, { clientSoftwareName: 'future-client', clientSoftwareVersion: '9.9.9' });
      expect(retry.errorCode).toBe(0);
    });
  });

  it('a much newer version (32767) sent with a v1 request header gets the same v0 answer', async () => {
    await withConn(async (c) => {
      const f = apiVersionsV5(9);
      f.writeInt16BE(32767, 6);
      c.sendRaw(f);
      const frame = await c.readFrame();
      expect(frame.readInt32BE(0)).toBe(9);
      expect(frame.readInt16BE(4)).toBe(35);
      expect(frame.length).toBe(10 + 6 * served.length);
    });
  });

  for (const [name, version] of [
    ['bad name!', '1.0'],
    ['', '1.0'],
    ['-leading-dash', '1.0'],
    ['ok-client', '1.0-'],
    ['ok-client', ''],
    ['ok client', '1.0'],
  ] as const) {
    it(`v3 with client software '${name}' / '${version}' → INVALID_REQUEST (42)`, async () => {
      const body = await withConn((c) => c.request(18, 3, { clientSoftwareName: name, clientSoftwareVersion: version }));
      expect(body.errorCode).toBe(42);
    });
  }

  for (const [name, version] of [
    ['apache-kafka-java', '3.7.0'],
    ['librdkafka', '2.3.0'],
    ['a', '1'],
    ['kafka.js', '2.2.4'],
  ] as const) {
    it(`v4 with client software '${name}' / '${version}' is accepted`, async () => {
      const body = await withConn((c) => c.request(18, 4, { clientSoftwareName: name, clientSoftwareVersion: version }));
      expect(body.errorCode).toBe(0);
    });
  }

  it('a null client id in the request header is accepted', async () => {
    await withConn(async (c) => {
      c.expect(18, 2, 31);
      c.sendRaw(encodeRequest(18, 2, requestBody(18), { correlationId: 31, clientId: null }));
      expect((await c.receive()).body.errorCode).toBe(0);
    });
  });

  it('unknown tagged fields in a flexible request header and body are accepted and ignored', async () => {
    await withConn(async (c) => {
      const body = requestBody(18, {
        clientSoftwareName: 'tagged',
        clientSoftwareVersion: '1',
        unknownTaggedFields: [{ tag: 7, data: Buffer.from([1, 2, 3]) }],
      });
      const frame = encodeRequest(18, 3, body, { correlationId: 32 });
      // Rebuild the header with a tagged field: key, version, correlation id, client id, then tags.
      const clientIdLen = frame.readInt16BE(12);
      const headerEnd = 14 + clientIdLen; // offset of the header's tagged-field count
      expect(frame[headerEnd]).toBe(0);
      const tagged = Buffer.from([1, 3, 2, 0xaa, 0xbb]); // 1 field: tag 3, 2 bytes
      const out = Buffer.concat([frame.subarray(0, headerEnd), tagged, frame.subarray(headerEnd + 1)]);
      out.writeInt32BE(out.length - 4, 0);
      c.expect(18, 3, 32);
      c.sendRaw(out);
      const res = await c.receive();
      expect(res.body.errorCode).toBe(0);
      // And a flexible Metadata request with the same header tags.
      const md = encodeRequest(3, 12, requestBody(3, { topics: [] }), { correlationId: 33 });
      const mdEnd = 14 + md.readInt16BE(12);
      const mdOut = Buffer.concat([md.subarray(0, mdEnd), tagged, md.subarray(mdEnd + 1)]);
      mdOut.writeInt32BE(mdOut.length - 4, 0);
      c.expect(3, 12, 33);
      c.sendRaw(mdOut);
      expect((await c.receive()).body.topics).toEqual([]);
    });
  });

  for (const v of [3, 4]) {
    it(`v${v} responses use response header v0: the error code follows the correlation id directly`, async () => {
      await withConn(async (c) => {
        // An invalid name makes the error code non-zero, so a tagged-field byte (0) could not pass for it.
        c.expect(18, v, 4711);
        c.sendRaw(
          encodeRequest(18, v, requestBody(18, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1' }), {
            correlationId: 4711,
          }),
        );
        const res = await c.receive(); // decodes with header v0 and checks that nothing is left over
        expect(res.frame.readInt32BE(0)).toBe(4711);
        expect(res.frame.readInt16BE(4)).toBe(42);
        // v3+ body: compact array of keys right after the error code.
        expect(res.frame[6]).toBe(res.body.apiKeys.length + 1);

        const ok = await c.request(18, v, { clientSoftwareName: 'good', clientSoftwareVersion: '1' });
        expect(ok.errorCode).toBe(0);
      });
    });
  }
});
