/**
 * IncrementalAlterConfigs (key 44), v0–v1: per key SET (0), DELETE (1, back to the default),
 * APPEND (2) and SUBTRACT (3); the last two only for list keys (cleanup.policy, the throttled
 * replica lists), else INVALID_CONFIG, and they start from the current value (the override, or
 * the broker's default when there is none). Unknown operations are INVALID_REQUEST.
 *
 * TOPIC resources, BROKER resources (dynamic broker configs, src/config/dynamic-keys.ts) and GROUP
 * resources are validated, persisted and applied at once; BROKER_LOGGER resources change log
 * levels (handlers/broker-loggers.ts); see alter-configs-common.ts.
 *
 * Deviations: dynamic broker keys that mean nothing on Runnel (threads, listeners, SSL, quotas)
 * and unknown broker keys are refused with INVALID_REQUEST (Kafka stores them); CLIENT_METRICS
 * resources are INVALID_REQUEST.
 */
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/messages/index.js';
import { IncrementalAlterConfigsRequestMeta } from '../protocol/messages/index.js';
import { alterConfigs } from './alter-configs-common.js';
import { defineHandler } from './types.js';

export default defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(IncrementalAlterConfigsRequestMeta, {
  note: 'TOPIC, BROKER (dynamic keys), GROUP configs and BROKER_LOGGER levels apply at once (BROKER and GROUP in a cluster: in etcd, on every broker); no CLIENT_METRICS',
  handle(req, ctx) {
    return alterConfigs(req, 'incremental', ctx);
  },
});
