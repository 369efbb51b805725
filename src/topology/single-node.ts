/**
 * The single node: topics.json is the metadata image's store, every partition has one replica
 * here, producer ids are reserved in the data directory. What `npm start` runs.
 */
import { loadClusterMeta, ephemeralClusterMeta } from '../cluster/cluster-meta.js';
import { TopicRegistry } from '../cluster/topics.js';
import { MetadataOwner } from '../cluster/metadata-owner.js';
import type { BrokerFeatures } from '../cluster/features.js';
import type { BrokerImage } from '../cluster/metadata-image.js';
import type { BrokerConfig } from '../config/config.js';
import { LogManager } from '../storage/log-manager.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import type { BrokerLogs } from '../storage/log-store.js';
import { LogPartitionManager } from '../partitions/log-partitions.js';
import { ProducerIdAllocator } from '../producers/producer-ids.js';
import type { Logger } from '../util/logger.js';
import type { Topology } from './topology.js';

export interface NodeOptions {
  config: BrokerConfig;
  /** undefined: storage 'memory'. */
  dataDir: string | undefined;
  features: BrokerFeatures;
  broker: (nodeId: number) => BrokerImage;
  storageLog: Logger;
  log: Logger;
}

export async function openSingleNode(o: NodeOptions): Promise<Topology> {
  const { config, dataDir } = o;
  const meta = dataDir === undefined ? ephemeralClusterMeta(config.nodeId) : await loadClusterMeta(dataDir, config.nodeId);
  const registry = dataDir === undefined ? TopicRegistry.inMemory() : await TopicRegistry.open(dataDir);
  // Until the owner exists the logs read configs from the registry; then from the image.
  let topicConfigs = (name: string): Readonly<Record<string, string>> => registry.get(name)?.configs ?? {};
  const configsOf = (name: string): Readonly<Record<string, string>> => topicConfigs(name);
  const logs: BrokerLogs =
    dataDir === undefined ? new MemoryLogStore(config, configsOf, o.storageLog) : await LogManager.open(config, registry.list(), configsOf, o.storageLog);
  const owner = await MetadataOwner.open({ clusterId: meta.clusterId, nodeId: meta.nodeId, broker: o.broker(meta.nodeId), features: o.features, registry, logs });
  topicConfigs = (name) => owner.get(name)?.configs ?? {};
  const producerIds = dataDir === undefined ? ProducerIdAllocator.inMemory() : await ProducerIdAllocator.open(dataDir);
  return {
    clusterId: meta.clusterId,
    nodeId: meta.nodeId,
    logs,
    owner,
    partitions: new LogPartitionManager(logs, owner),
    producerIds,
    clustered: false,
    onLeadership: () => undefined,
    async listening(broker) {
      await owner.apply([{ kind: 'registerBroker', broker }]);
    },
    stopping: async () => undefined,
    close: async () => undefined,
  };
}
