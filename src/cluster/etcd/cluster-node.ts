/**
 * A broker's membership of a cluster, wired from its configuration (runnel.etcd.*, broker.session.
 * timeout.ms, broker.heartbeat.interval.ms, broker.rack, unclean.leader.election.enable,
 * auto.leader.rebalance.enable, leader.imbalance.*,
 * default.replication.factor): the control store, the controller campaign and the metadata owner.
 */
import type { BrokerConfig } from '../../config/config.js';
import type { Logger } from '../../util/logger.js';
import { ClusterMetadataOwner } from '../cluster-metadata-owner.js';
import type { BrokerFeatures } from '../features.js';
import type { BrokerImage } from '../metadata-image.js';
import { Controller } from './controller.js';
import { EtcdControl } from './etcd-control.js';

export interface ClusterNode {
  control: EtcdControl;
  controller: Controller;
  metadata: ClusterMetadataOwner;
  /** After openClusterNode(..., { deferRegistration: true }): registers with the bound endpoints and campaigns for controller. */
  join(broker: BrokerImage): Promise<void>;
  /** Controlled shutdown, then leaving: the registration goes at once. */
  close(opts?: { controlledShutdownTimeoutMs?: number }): Promise<void>;
}

/** Whether this configuration asks for a cluster (runnel.etcd.endpoints set). */
export function clusterConfigured(config: BrokerConfig): boolean {
  return config.list('runnel.etcd.endpoints').length > 0;
}

export async function openClusterNode(config: BrokerConfig, broker: BrokerImage, log: Logger, features?: BrokerFeatures, opts: { deferRegistration?: boolean; onLeaderElected?: (topic: string, partition: number, leader: number) => void } = {}): Promise<ClusterNode> {
  const control = await EtcdControl.open({
    endpoints: config.list('runnel.etcd.endpoints'),
    prefix: config.get('runnel.etcd.prefix') ?? '/runnel',
    broker,
    sessionTimeoutMs: config.int('broker.session.timeout.ms'),
    heartbeatMs: config.int('broker.heartbeat.interval.ms'),
    log,
    features,
    deferRegistration: opts.deferRegistration,
  });
  const controller = new Controller(control, {
    uncleanLeaderElection: () => config.bool('unclean.leader.election.enable'),
    onLeaderElected: opts.onLeaderElected,
    rebalance: {
      enabled: () => config.bool('auto.leader.rebalance.enable'),
      intervalMs: () => config.num('leader.imbalance.check.interval.seconds') * 1000,
      percentage: () => config.int('leader.imbalance.per.broker.percentage'),
    },
  });
  if (!opts.deferRegistration) controller.start();
  const metadata = new ClusterMetadataOwner({ control, defaultReplicationFactor: config.int('default.replication.factor') });
  return {
    control,
    controller,
    metadata,
    async join(b) {
      await control.register(b);
      controller.start();
    },
    async close(opts = {}) {
      if (opts.controlledShutdownTimeoutMs && control.registered) {
        const moved = await control.requestControlledShutdown(opts.controlledShutdownTimeoutMs).catch(() => false);
        if (!moved) log.warn('controlled shutdown: some leaderships did not move in time');
      }
      await controller.stop();
      await control.close();
    },
  };
}
