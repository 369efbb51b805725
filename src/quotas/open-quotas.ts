/** The broker's client quotas: stored in etcd in a cluster (the topology's store), in the data directory on one node. */
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { ClientQuotas } from './client-quotas.js';
import { LocalQuotaStore, type QuotaStore } from './quota-store.js';

export async function openClientQuotas(config: BrokerConfig, clusterStore: QuotaStore | undefined, dataDir: string | undefined, log: Logger): Promise<ClientQuotas> {
  const store = clusterStore ?? (await LocalQuotaStore.open(dataDir, (msg) => log.warn(msg)));
  return new ClientQuotas(store, { samples: config.int('quota.window.num'), windowMs: config.int('quota.window.size.seconds') * 1000 });
}
