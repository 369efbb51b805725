/**
 * Request and response headers. Which header version a message uses follows from its API and
 * version: flexible versions use request header v2 and response header v1, older ones v1 and v0,
 * and ApiVersions always answers with response header v0 so that a client can read the answer
 * before it knows what the broker speaks.
 */
import { Reader } from './primitives/reader.js';
import { Writer, takeZeroCopyBytes } from './primitives/writer.js';
import { DecodeError } from './primitives/errors.js';
import { apiCodecs, type ApiCodec } from './messages/index.js';
import { readRequestHeader, type RequestHeader, sizeResponseHeader, writeResponseHeader } from './messages/headers.js';

export const API_VERSIONS_KEY = 18;

export function isFlexible(codec: Pick<ApiCodec, 'flexibleMin'>, version: number): boolean {
  return codec.flexibleMin >= 0 && version >= codec.flexibleMin;
}

export function requestHeaderVersion(codec: ApiCodec | undefined, version: number): number {
  return codec && isFlexible(codec, version) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  const codec = apiCodecs.get(apiKey);
  return codec && isFlexible(codec, version) ? 1 : 0;
}

/**
 * Reads the header of a request frame. An API key or version Runnel has no codec for still yields
 * a header (v1: key, version, correlation id, client id) so that the dispatcher can answer or log
 * it; `codec` is then undefined or the version is out of its range.
 */
export function readHeader(frame: Buffer): { header: RequestHeader; reader: Reader; codec: ApiCodec | undefined } {
  if (frame.length < 8) throw new DecodeError(`frame of ${frame.length} bytes is shorter than a request header`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const codec = apiCodecs.get(apiKey);
  const known = codec !== undefined && apiVersion >= codec.minVersion && apiVersion <= codec.maxVersion;
  const reader = new Reader(frame);
  const header = readRequestHeader(reader, known ? requestHeaderVersion(codec, apiVersion) : 1);
  return { header, reader, codec };
}

/**
 * Encodes a whole response frame, size prefix included: sized first, then written once. Record
 * sets of 4 KiB or more are not copied; the frame comes back as the list of buffers to write.
 */
export function encodeResponseChunks(apiKey: number, version: number, correlationId: number, body: unknown, codec: ApiCodec): Buffer[] {
  const hv = responseHeaderVersion(apiKey, version);
  const header = { correlationId };
  takeZeroCopyBytes();
  const size = sizeResponseHeader(header, hv) + codec.sizeResponse(body, version);
  const outside = takeZeroCopyBytes();
  const w = Writer.zeroCopy(4 + size - outside);
  w.int32(size);
  writeResponseHeader(w, header, hv);
  codec.writeResponse(w, body, version);
  if (w.pos !== 4 + size - outside) throw new Error(`${codec.name} v${version}: sized ${size} bytes, wrote ${w.pos - 4 + outside}`);
  return w.finish();
}

/** Encodes a whole response frame, size prefix included, into one buffer sized before writing. */
export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown, codec: ApiCodec): Buffer {
  const hv = responseHeaderVersion(apiKey, version);
  const header = { correlationId };
  const size = sizeResponseHeader(header, hv) + codec.sizeResponse(body, version);
  const w = Writer.alloc(4 + size);
  w.int32(size);
  writeResponseHeader(w, header, hv);
  codec.writeResponse(w, body, version);
  if (w.pos !== 4 + size) throw new Error(`${codec.name} v${version}: sized ${size} bytes, wrote ${w.pos - 4}`);
  return w.buf;
}
