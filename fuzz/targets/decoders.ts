/**
 * Every generated request decoder at every version it reads: two bytes pick the API and the
 * version, a valid request header follows and the rest is the body, so the fuzzer spends its
 * inputs inside the decoders rather than on the header.
 */
import { readHeader } from '../../src/protocol/header.js';
import { apiCodecList, apiCodecs } from '../../src/protocol/messages/index.js';
import { guard } from './expected.js';

/** A whole request frame (header and body) as dispatch decodes it. */
export function decodeFrame(frame: Buffer): void {
  guard(() => {
    const { header, reader, codec } = readHeader(frame);
    if (codec && header.requestApiVersion >= codec.minVersion && header.requestApiVersion <= codec.maxVersion) codec.readRequest(reader, header.requestApiVersion);
  });
}

export function fuzz(data: Buffer): void {
  if (data.length < 2) return;
  const codec = apiCodecList[data[0] % apiCodecList.length];
  if (!apiCodecs.has(codec.key)) return;
  const version = codec.minVersion + (data[1] % (codec.maxVersion - codec.minVersion + 1));
  const flexible = codec.flexibleMin >= 0 && version >= codec.flexibleMin;
  // api_key, api_version, correlation_id, client_id (null), and an empty tagged-field section when flexible.
  const head = Buffer.alloc(flexible ? 11 : 10);
  head.writeInt16BE(codec.key, 0);
  head.writeInt16BE(version, 2);
  head.writeInt32BE(1, 4);
  head.writeInt16BE(-1, 8);
  decodeFrame(Buffer.concat([head, data.subarray(2)]));
}
