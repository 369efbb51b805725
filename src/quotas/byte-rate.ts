/**
 * The byte-rate quotas at the two places Kafka's KafkaApis applies them: a Produce records the
 * request's size against producer_byte_rate; a Fetch from a consumer is capped to what its
 * consumer_byte_rate allows in one quota window, records the bytes it returns, and when that puts
 * the client over its quota the data is taken back (not counted, not returned) and an empty
 * response with the throttle time goes out instead. Fetches from followers are not client traffic.
 */
import type { HandlerContext } from '../handlers/types.js';
import { quotaUser } from './client-quotas.js';

/** producer_byte_rate: the throttle time (ms) this Produce earned, also set on ctx for the connection to mute. */
export function produceThrottleMs(ctx: HandlerContext): number {
  const q = ctx.broker.quotas.produce;
  if (!q.enabled) return 0;
  const ms = q.recordAndGetThrottleMs(quotaUser(ctx.client), ctx.header.clientId ?? '', ctx.requestBytes ?? 0, Date.now());
  if (ms > 0) ctx.throttleMs = Math.max(ctx.throttleMs ?? 0, ms);
  return ms;
}

/** consumer_byte_rate: the most a consumer's Fetch may return (Infinity without a quota). */
export function fetchQuotaMaxBytes(ctx: HandlerContext): number {
  const q = ctx.broker.quotas.fetch;
  return q.enabled ? Math.floor(q.maxValueInQuotaWindow(quotaUser(ctx.client), ctx.header.clientId ?? '')) : Infinity;
}

/**
 * consumer_byte_rate: records `bytes` about to be returned; 0 to return them, else the throttle
 * time, the bytes unrecorded, and the response must be empty.
 */
export function fetchThrottleMs(ctx: HandlerContext, bytes: number): number {
  const q = ctx.broker.quotas.fetch;
  if (!q.enabled) return 0;
  const user = quotaUser(ctx.client);
  const clientId = ctx.header.clientId ?? '';
  const now = Date.now();
  const ms = q.recordAndGetThrottleMs(user, clientId, bytes, now);
  if (ms > 0) {
    q.unrecord(user, clientId, bytes, now);
    ctx.throttleMs = Math.max(ctx.throttleMs ?? 0, ms);
  }
  return ms;
}
