/**
 * ApiVersions (key 18), v0–v4.
 *
 * The advertised ranges come from the handler registry, so nothing is advertised that is not
 * served. An unsupported version never reaches this handler: the dispatcher answers it in the v0
 * layout with UNSUPPORTED_VERSION and the full list (see server/dispatch.ts). The response header is
 * always v0 (protocol/header.ts). From v3 the client's software name and version are validated as
 * Kafka does (INVALID_REQUEST) and remembered for the connection's log lines, and the response
 * carries the supported and finalized features of the metadata image (cluster/features.ts):
 * transaction.version there is what makes Kafka 4 clients use transactions version 2.
 */
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/index.js';
import { ApiVersionsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerFeatures } from '../cluster/features.js';
import { defineHandler } from './types.js';

const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function apiVersionsBody(errorCode: number, apiKeys: ApiVersionsResponse['apiKeys'], features?: BrokerFeatures): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: features?.supported ?? [],
    finalizedFeaturesEpoch: features?.epoch ?? -1n,
    finalizedFeatures: features?.finalized ?? [],
    zkMigrationReady: false,
  };
}

export default defineHandler<ApiVersionsRequest, ApiVersionsResponse>(ApiVersionsRequestMeta, {
  handle(req, ctx) {
    const apiKeys = ctx.broker.apiRanges();
    if (ctx.apiVersion >= 3) {
      if (!SOFTWARE.test(req.clientSoftwareName) || !SOFTWARE.test(req.clientSoftwareVersion)) {
        ctx.log.info({ name: req.clientSoftwareName, version: req.clientSoftwareVersion }, 'invalid client software name or version');
        return apiVersionsBody(ErrorCode.INVALID_REQUEST, apiKeys);
      }
      ctx.client.clientSoftwareName = req.clientSoftwareName;
      ctx.client.clientSoftwareVersion = req.clientSoftwareVersion;
    }
    return apiVersionsBody(ErrorCode.NONE, apiKeys, ctx.broker.metadata.image().features);
  },
});
