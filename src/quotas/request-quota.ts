/**
 * request_percentage, as Kafka's RequestQuotaManager measures it: the time a request keeps the
 * broker busy, recorded as a percentage of one thread over the quota window. Runnel has one thread,
 * so what counts is the synchronous work of a request (decoding and the handler up to its first
 * wait); waiting for appends, replicas or long polls costs nothing, as time in Kafka's purgatory
 * does not count. Broker-to-broker requests are exempt, as Kafka's cluster actions are. One throttle
 * lasts at most one quota window (Kafka's ClientRequestQuotaManager bounds it so).
 */
import type { ClientQuotas } from './client-quotas.js';

/** WriteTxnMarkers: sent by a transaction coordinator to partition leaders. */
const EXEMPT_APIS = new Set([27]);

/** Records `busyMs` for the client; the throttle time (ms) it has earned, 0 within its quota. */
export function requestThrottleMs(quotas: ClientQuotas, apiKey: number, user: string, clientId: string, busyMs: number, exempt: boolean): number {
  if (!quotas.request.enabled || exempt || EXEMPT_APIS.has(apiKey)) return 0;
  // Kafka records thread time in percent-seconds: nanos × 100 / 1e9.
  return quotas.request.recordAndGetThrottleMs(user, clientId, busyMs / 10, Date.now());
}
