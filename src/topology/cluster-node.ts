/**
 * A broker in a cluster (runnel.etcd.endpoints set; docs/cluster-design.md): the control state in
 * etcd is the metadata image's store, the replica manager leads and follows partitions as the image
 * says, producer ids come in blocks from etcd, dynamic configs and client quotas are read from the
 * same watched control state, and the controller runs on whichever broker wins its election.
 *
 * Start-up order: connect to etcd and read the image (unregistered), open the logs of the
 * partitions assigned here, then, once the listener is bound, register (the controller may now
 * elect this broker), start replicating and campaign for controller. Stopping: a controlled
 * shutdown first (controlled.shutdown.enable), then the controller, the replicas and the
 * registration, which is revoked so the others see the broker gone at once.
 */
import { adoptClusterMeta } from '../cluster/cluster-meta.js';
import { openClusterNode } from '../cluster/etcd/cluster-node.js';
import { EtcdReassignments } from '../cluster/etcd/reassignment.js';
import { requestElection } from '../cluster/etcd/election-requests.js';
import { topicDefault } from '../config/topic-configs.js';
import { LogManager } from '../storage/log-manager.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import type { BrokerLogs } from '../storage/log-store.js';
import { ProducerIdAllocator } from '../producers/producer-ids.js';
import { ReplicaManager } from '../replication/replica-manager.js';
import { ReplicationThrottle } from '../replication/replication-throttle.js';
import { EtcdBrokerRegistry } from '../cluster/etcd/broker-registry.js';
import { replicaSelectorFor } from '../replication/replica-selector.js';
import { ClusterEventCounts, type ClusterMetricsSource } from '../metrics/cluster-metrics.js';
import type { Logger } from '../util/logger.js';
import type { NodeOptions } from './single-node.js';
import type { Topology } from './topology.js';
import { EtcdDynamicConfigStore } from '../cluster/etcd/etcd-config-store.js';
import type { DynamicConfigStore } from '../config/dynamic-config-store.js';
import { EtcdQuotaStore } from '../quotas/etcd-quota-store.js';
import { brokerInterBrokerSecurity } from '../client/security/inter-broker.js';
import { EtcdScramStore } from '../security/scram/etcd-credential-store.js';
import { EtcdAclStore } from '../security/acl/etcd-acl-store.js';

/** `onConfigStore`: given the cluster's dynamic config store before the logs open (its values are log defaults too). */
export async function openClusterTopology(o: NodeOptions & { clusterLog: Logger; onConfigStore?: (store: DynamicConfigStore) => void }): Promise<Topology> {
  const { config, dataDir } = o;
  const nodeId = config.nodeId;
  const events = new ClusterEventCounts();
  const node = await openClusterNode(config, o.broker(nodeId), o.clusterLog, o.features, { deferRegistration: true, onLeaderElected: () => void events.leaderElections++ });
  const { control } = node;
  try {
    const clusterId = control.clusterId;
    if (dataDir !== undefined) await adoptClusterMeta(dataDir, nodeId, clusterId);
    o.onConfigStore?.(await EtcdDynamicConfigStore.open(control, nodeId, dataDir, o.clusterLog));
    const image = control.image();
    const configsOf = (name: string): Readonly<Record<string, string>> => control.image().topic(name)?.configs ?? {};
    const assigned = image.topics().map((t) => ({ ...t, hosted: (i: number) => t.partitionStates[i]?.replicas.includes(nodeId) ?? false }));
    const logs: BrokerLogs = dataDir === undefined ? new MemoryLogStore(config, configsOf, o.storageLog) : await LogManager.open(config, assigned, configsOf, o.storageLog);
    // Replication and leadership changes use the logs outside requests: a cluster node waits for all of them.
    await logs.whenOpen();
    const topicSetting = (topic: string, key: string): string => configsOf(topic)[key] ?? topicDefault(config, key);
    let leadership: (topic: string, partition: number, leader: boolean) => void = () => undefined;
    const throttle = new ReplicationThrottle(nodeId, { brokerValue: (k) => config.get(k), topicConfigs: configsOf });
    const replicas = new ReplicaManager({
      nodeId,
      logs,
      control,
      interBrokerListener: config.interBrokerListener().name,
      minInsyncReplicas: (topic) => Number(topicSetting(topic, 'min.insync.replicas')),
      lagTimeMaxMs: () => config.num('replica.lag.time.max.ms'),
      fetcher: {
        maxWaitMs: config.int('replica.fetch.wait.max.ms'),
        minBytes: 1,
        partitionMaxBytes: config.int('replica.fetch.max.bytes'),
        responseMaxBytes: config.int('replica.fetch.response.max.bytes'),
        backoffMs: config.int('replica.fetch.backoff.ms'),
        security: brokerInterBrokerSecurity(config),
      },
      log: o.clusterLog,
      onLeadership: (topic, partition, leader) => leadership(topic, partition, leader),
      onIsrChange: (kind) => (kind === 'shrink' ? events.isrShrinks++ : events.isrExpands++),
      throttle,
      replicaSelector: replicaSelectorFor(config.get('replica.selector.class')),
    });
    const owner = node.metadata;
    const metrics: ClusterMetricsSource = {
      events,
      replicationThrottledRate: (side) => throttle[side].measured(),
      activeController: () => node.controller.active,
      ledPartitions: () =>
        logs.all().flatMap((l) => {
          const r = replicas.replica(l.topic, l.partition);
          const state = r?.role === 'leader' ? r.partitionState : undefined;
          if (!r || !state) return [];
          return [{ topic: l.topic, partition: l.partition, replicas: state.replicas.length, isr: state.isr.length, minIsr: Number(topicSetting(l.topic, 'min.insync.replicas')), maxFollowerLag: r.maxFollowerLag() }];
        }),
      offlinePartitions: () => {
        const image = control.image();
        let n = 0;
        for (const t of image.topics()) for (const p of t.partitionStates) if (p.leader < 0 || !image.broker(p.leader)) n++;
        return n;
      },
    };
    let closed = false;
    const brokerRegistry = new EtcdBrokerRegistry(control, o.clusterLog);
    return {
      brokerRegistry,
      clusterId,
      nodeId,
      logs,
      owner,
      partitions: replicas,
      clustered: true,
      metrics,
      reassignments: new EtcdReassignments(control, (topic) => topicSetting(topic, 'unclean.leader.election.enable') === 'true'),
      leaderElections: { elect: (req) => requestElection(control, req) },
      quotaStore: new EtcdQuotaStore(control, o.clusterLog),
      scramStore: new EtcdScramStore(control, o.clusterLog),
      aclStore: new EtcdAclStore(control, o.clusterLog),
      onLeadership(fn) {
        leadership = fn;
      },
      producerIds: ProducerIdAllocator.fromBlocks((size) => control.allocateProducerIdBlock(size)),
      async listening(broker) {
        await node.join(broker);
        await brokerRegistry.start(broker);
        await replicas.start();
      },
      async stopping() {
        // Leaderships move away while the listener still answers (clients follow them), then the registration goes.
        if (closed) return;
        closed = true;
        brokerRegistry.stop();
        await node.close({ controlledShutdownTimeoutMs: config.bool('controlled.shutdown.enable') ? config.int('broker.session.timeout.ms') : 0 });
      },
      async close() {
        await replicas.close();
        if (!closed) {
          closed = true;
          await node.close();
        }
      },
    };
  } catch (err) {
    await node.close();
    throw err;
  }
}
