import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadSpecs } from '../../src/protocol/codegen/main.js';
import { apiCodecs } from '../../src/protocol/messages/index.js';
// Headers and the messages that are not APIs (embedded consumer protocol, internal-topic records).
import * as headers from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { messageArbitrary } from './spec-arbitrary.js';

type Codec = { read(r: Reader, v: number): unknown; size(m: unknown, v: number): number; write(w: Writer, m: unknown, v: number): void };

function roundTrip(codec: Codec, value: unknown, v: number): void {
  const size = codec.size(value, v);
  const w = Writer.alloc(size);
  codec.write(w, value, v);
  expect(w.pos).toBe(size);
  const r = new Reader(w.buf);
  const back = codec.read(r, v);
  expect(r.pos).toBe(size);
  expect(back).toEqual(value);
}

const specs = [...loadSpecs().values()].flat();

describe('every message round-trips at every version', () => {
  for (const msg of specs) {
    let codec: Codec;
    if (msg.kind === 'header') {
      const h = headers as unknown as Record<string, Codec[keyof Codec]>;
      codec = { read: h[`read${msg.name}`], size: h[`size${msg.name}`], write: h[`write${msg.name}`] } as Codec;
    } else {
      const api = apiCodecs.get(msg.apiKey!)!;
      codec =
        msg.kind === 'request'
          ? { read: api.readRequest, size: api.sizeRequest, write: api.writeRequest }
          : { read: api.readResponse, size: api.sizeResponse, write: api.writeResponse };
    }
    const top = msg.versions.max;
    for (let v = msg.versions.min; v <= top; v++) {
      it(`${msg.name} v${v}`, () => {
        fc.assert(fc.property(messageArbitrary(msg, v), (value) => roundTrip(codec, value, v)), { numRuns: 40 });
      });
    }
  }
});

describe('unknown tagged fields survive a round trip', () => {
  it('keeps them in order with the known ones', () => {
    const api = apiCodecs.get(1)!; // Fetch request v17 has known tags 0 and 1 at top level
    const msg = specs.find((m) => m.name === 'FetchRequest')!;
    fc.assert(
      fc.property(messageArbitrary(msg, 17), fc.uint8Array({ maxLength: 5 }), (value, extra) => {
        const withUnknown = { ...value, unknownTaggedFields: [{ tag: 7, data: Buffer.from(extra) }] };
        roundTrip({ read: api.readRequest, size: api.sizeRequest, write: api.writeRequest }, withUnknown, 17);
      }),
      { numRuns: 30 },
    );
  });
});
