/** The broker's client quotas: stored in etcd in a cluster, in the data directory on one node. */
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { ClientQuotas } from './client-quotas.js';
import { EtcdQuotaStore } from './etcd-quota-store.js';
import { LocalQuotaStore, type QuotaStore } from './quota-store.js';

export async function openClientQuotas(config: BrokerConfig, dataDir: string | undefined, log: Logger): Promise<ClientQuotas> {
  const endpoints = config.list('runnel.etcd.endpoints');
  const store: QuotaStore =
    endpoints.length > 0
      ? await EtcdQuotaStore.open({ endpoints, prefix: config.get('runnel.etcd.prefix') ?? '/runnel', log })
      : await LocalQuotaStore.open(dataDir, (msg) => log.warn(msg));
  return new ClientQuotas(store, { samples: config.int('quota.window.num'), windowMs: config.int('quota.window.size.seconds') * 1000 });
}
