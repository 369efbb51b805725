/**
 * From a request frame to a response frame: header, handler lookup in the registry, the generated
 * decoder, the handler, then one sized encode. Returns null when no response is due (acks=0).
 * Throws DecodeError for bytes that are not a valid request and UnsupportedRequest for an API or
 * version that is not served; the connection closes on both, as Kafka's does.
 */
import { readHeader, encodeResponse, encodeResponseChunks, API_VERSIONS_KEY } from '../protocol/header.js';
import { apiCodecs } from '../protocol/messages/index.js';
import type { RequestHeader } from '../protocol/messages/headers.js';
import { ErrorCode } from '../protocol/errors.js';
import { handlerRegistry } from '../handlers/index.js';
import { apiVersionsBody } from '../handlers/18-api-versions.js';
import { NO_RESPONSE, type BrokerServices, type ClientInfo } from '../handlers/types.js';
import type { Logger } from '../util/logger.js';

export class UnsupportedRequest extends Error {
  constructor(readonly apiKey: number, readonly apiVersion: number) {
    super(`unsupported API key ${apiKey} version ${apiVersion}`);
  }
}

export interface Dispatched {
  header: RequestHeader;
  /** The response frame as buffers to write in order, or null when none is due. */
  response: Promise<Buffer[] | null>;
}

/** Parses the header synchronously (so the caller can log it) and runs the handler. */
export function dispatch(frame: Buffer, client: ClientInfo, broker: BrokerServices, log: Logger): Dispatched {
  const { header, reader } = readHeader(frame);
  const key = header.requestApiKey;
  const version = header.requestApiVersion;
  const handler = handlerRegistry.get(key);
  if (!handler || version < handler.minVersion || version > handler.maxVersion) {
    if (key === API_VERSIONS_KEY && handler && version > handler.maxVersion) {
      // Answered in the v0 layout so that any client can read it and retry at a version we serve.
      const body = apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION, broker.apiRanges());
      return { header, response: Promise.resolve([encodeResponse(key, 0, header.correlationId, body, apiCodecs.get(key)!)]) };
    }
    throw new UnsupportedRequest(key, version);
  }
  const codec = apiCodecs.get(key)!;
  const body = codec.readRequest(reader, version);
  const ctx = { apiVersion: version, header, client, broker, log };
  const started = performance.now();
  const response = Promise.resolve(handler.handle(body, ctx)).then((res) => {
    broker.metrics.request(codec.name, version, (performance.now() - started) / 1000);
    return res === NO_RESPONSE ? null : encodeResponseChunks(key, version, header.correlationId, res, codec);
  });
  return { header, response };
}
