/**
 * AlterConfigs (key 33), v0–v2: the legacy API, which replaces all of a resource's overrides with
 * the ones given (keys left out go back to their defaults).
 *
 * TOPIC resources are validated, persisted crash-safely with the topic catalogue and applied at
 * once; BROKER resources ("" or this node's id) replace that layer of dynamic broker configs and
 * GROUP resources a group's configs (src/config/dynamic-configs.ts); see alter-configs-common.ts for
 * the checks and their order, which follow Kafka's. As in Kafka, the legacy API has no
 * BROKER_LOGGER resource ("Unknown resource type 8").
 */
import type { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/index.js';
import { AlterConfigsRequestMeta } from '../protocol/messages/index.js';
import { alterConfigs } from './alter-configs-common.js';
import { defineHandler } from './types.js';

export default defineHandler<AlterConfigsRequest, AlterConfigsResponse>(AlterConfigsRequestMeta, {
  note: 'TOPIC, BROKER (dynamic keys) and GROUP configs apply at once and persist (in a cluster: in etcd, applied on every broker)',
  handle(req, ctx) {
    return alterConfigs(req, 'replace', ctx);
  },
});
