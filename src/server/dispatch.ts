/**
 * From a request frame to a response frame: header, handler lookup in the registry, the generated
 * decoder, the handler, then one sized encode. Returns null when no response is due (acks=0).
 * Throws DecodeError for bytes that are not a valid request and UnsupportedRequest for an API or
 * version that is not served; the connection closes on both, as Kafka's does. Until the
 * partition logs are open after start-up, only requests that need none run at once.
 */
import { readHeader, encodeResponse, encodeResponseChunks, API_VERSIONS_KEY } from '../protocol/header.js';
import { apiCodecs } from '../protocol/messages/index.js';
import type { RequestHeader } from '../protocol/messages/headers.js';
import { ErrorCode } from '../protocol/errors.js';
import { handlerRegistry } from '../handlers/index.js';
import { apiVersionsBody } from '../handlers/18-api-versions.js';
import { NO_RESPONSE, type BrokerServices, type ClientInfo, type HandlerContext } from '../handlers/types.js';
import { quotaUser } from '../quotas/client-quotas.js';
import { requestThrottleMs } from '../quotas/request-quota.js';
import type { Logger } from '../util/logger.js';

/**
 * Answered while the partition logs are still opening: they read only the metadata image and
 * the coordinators (loaded before the broker listens), so clients can connect, authenticate
 * and find leaders at once. ApiVersions, Metadata, FindCoordinator, SaslHandshake,
 * SaslAuthenticate, DescribeCluster.
 */
const SERVED_WHILE_OPENING = new Set([18, 3, 10, 17, 36, 60]);

export class UnsupportedRequest extends Error {
  constructor(readonly apiKey: number, readonly apiVersion: number) {
    super(`unsupported API key ${apiKey} version ${apiVersion}`);
  }
}

/** Kafka's API keys a client may use on a SASL listener before it has authenticated. */
const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;

/** A request other than ApiVersions and SASL before authentication: the connection is closed, as Kafka does. */
export class UnauthenticatedRequest extends Error {
  constructor(readonly apiKey: number) {
    super(`API key ${apiKey} before SASL authentication`);
  }
}

export interface Dispatched {
  header: RequestHeader;
  /** The response frame as buffers to write in order, or null when none is due. */
  response: Promise<Buffer[] | null>;
  /** Once the response is ready: how long (ms) quotas say not to read from this client (0: no throttle). */
  throttleMs: number;
}

/**
 * Parses the header synchronously (so the caller can log it) and runs the handler. `applied` is
 * handed to the handler as ctx.applied (see HandlerContext).
 */
export function dispatch(frame: Buffer, client: ClientInfo, broker: BrokerServices, log: Logger, applied?: () => void): Dispatched {
  const { header, reader } = readHeader(frame);
  const key = header.requestApiKey;
  const version = header.requestApiVersion;
  if (!client.authenticated && key !== API_VERSIONS_KEY && key !== SASL_HANDSHAKE_KEY && key !== SASL_AUTHENTICATE_KEY) throw new UnauthenticatedRequest(key);
  const handler = handlerRegistry.get(key);
  if (!handler || version < handler.minVersion || version > handler.maxVersion) {
    if (key === API_VERSIONS_KEY && handler && version > handler.maxVersion) {
      // Answered in the v0 layout so that any client can read it and retry at a version we serve.
      const body = apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION, broker.apiRanges());
      return { header, response: Promise.resolve([encodeResponse(key, 0, header.correlationId, body, apiCodecs.get(key)!)]), throttleMs: 0 };
    }
    throw new UnsupportedRequest(key, version);
  }
  const codec = apiCodecs.get(key)!;
  // request_percentage counts decoding and the handler's synchronous work; timed only while some quota sets it.
  const timed = broker.quotas.request.enabled;
  const decodeStarted = timed ? performance.now() : 0;
  const body = codec.readRequest(reader, version);
  const ctx: HandlerContext = { apiVersion: version, header, client, broker, log, requestBytes: frame.length, applied };
  const started = performance.now();
  // Partition logs still opening after start-up (LogManager): a request that may touch one waits
  // for them, so that it neither misses a partition nor sees one before its recovery.
  const storage = broker.storage;
  const handled = storage && !storage.allOpen && !SERVED_WHILE_OPENING.has(key) ? storage.whenOpen().then(() => handler.handle(body, ctx)) : handler.handle(body, ctx);
  const busyMs = timed ? performance.now() - decodeStarted : 0;
  const dispatched = { header, throttleMs: 0 } as Dispatched;
  dispatched.response = Promise.resolve(handled).then((res) => {
    broker.metrics.request(codec.name, version, (performance.now() - started) / 1000);
    // Quotas: the longer of the handler's own throttle (byte rates) and the request quota's, in the
    // response's throttle_time_ms and as the time the connection is not read.
    const requestThrottle = timed ? requestThrottleMs(broker.quotas, key, quotaUser(client), header.clientId ?? '', busyMs, ctx.quotaExempt === true) : 0;
    if (ctx.throttleMs !== undefined || requestThrottle > 0) dispatched.throttleMs = Math.max(ctx.throttleMs ?? 0, requestThrottle);
    if (res === NO_RESPONSE) return null;
    if (requestThrottle > 0) {
      const withTime = res as { throttleTimeMs?: number };
      if (typeof withTime.throttleTimeMs === 'number') withTime.throttleTimeMs = Math.max(withTime.throttleTimeMs, requestThrottle);
    }
    return encodeResponseChunks(key, version, header.correlationId, res, codec);
  });
  return dispatched;
}
