/**
 * The handler registry: one module per API, named NN-<api>.ts after its key. ApiVersions is
 * answered from this list, so an API is advertised exactly when a handler for it is here.
 */
import type { Handler } from './types.js';
import produce from './00-produce.js';
import fetch from './01-fetch.js';
import listOffsets from './02-list-offsets.js';
import apiVersions from './18-api-versions.js';
import metadata from './03-metadata.js';
import describeCluster from './60-describe-cluster.js';

export const handlers: readonly Handler[] = [produce, fetch, listOffsets, metadata, apiVersions, describeCluster];

export const handlerRegistry: ReadonlyMap<number, Handler> = new Map(handlers.map((h) => [h.apiKey, h]));

export function advertisedRanges(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
  return [...handlers]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion }));
}
