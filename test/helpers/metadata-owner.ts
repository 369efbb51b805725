/** A MetadataOwner for tests that build broker services by hand: one broker (node 1), no features. */
import { MetadataOwner } from '../../src/cluster/metadata-owner.js';
import type { TopicRegistry } from '../../src/cluster/topics.js';
import type { LogManager } from '../../src/storage/log-manager.js';

export function singleNodeOwner(registry: TopicRegistry, logs: LogManager): Promise<MetadataOwner> {
  return MetadataOwner.open({
    clusterId: 'c',
    nodeId: 1,
    broker: { id: 1, endpoints: [{ listener: 'PLAINTEXT', host: 'localhost', port: 9092 }], rack: null },
    features: { supported: [], finalized: [], epoch: 0n },
    registry,
    logs,
  });
}
