/**
 * A broker in a cluster (runnel.etcd.endpoints set; docs/cluster-design.md): the control state in
 * etcd is the metadata image's store, the replica manager leads and follows partitions as the image
 * says, producer ids come in blocks from etcd, and the controller runs on whichever broker wins its
 * election.
 *
 * Start-up order: connect to etcd and read the image (unregistered), open the logs of the
 * partitions assigned here, then, once the listener is bound, register (the controller may now
 * elect this broker), start replicating and campaign for controller. Stopping: a controlled
 * shutdown first (controlled.shutdown.enable), then the controller, the replicas and the
 * registration, which is revoked so the others see the broker gone at once.
 */
import { adoptClusterMeta } from '../cluster/cluster-meta.js';
import { ClusterMetadataOwner } from '../cluster/cluster-metadata-owner.js';
import { EtcdControl } from '../cluster/etcd/etcd-control.js';
import { Controller } from '../cluster/etcd/controller.js';
import { requestControlledShutdown } from '../cluster/etcd/controlled-shutdown.js';
import { TXN_TOPIC } from '../cluster/internal-topics.js';
import { topicDefault } from '../config/topic-configs.js';
import { LogManager } from '../storage/log-manager.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import type { BrokerLogs } from '../storage/log-store.js';
import { ProducerIdAllocator } from '../producers/producer-ids.js';
import { ReplicaManager } from '../replication/replica-manager.js';
import { ClusterEventCounts, type ClusterMetricsSource } from '../metrics/cluster-metrics.js';
import { TopicError } from '../cluster/topics.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Logger } from '../util/logger.js';
import type { NodeOptions } from './single-node.js';
import type { Topology } from './topology.js';

export async function openClusterNode(o: NodeOptions & { clusterLog: Logger }): Promise<Topology> {
  const { config, dataDir } = o;
  const nodeId = config.nodeId;
  const control = await EtcdControl.open({
    endpoints: config.list('runnel.etcd.endpoints'),
    prefix: config.get('runnel.etcd.prefix') ?? '/runnel',
    broker: o.broker(nodeId),
    sessionTimeoutMs: config.int('broker.session.timeout.ms'),
    heartbeatMs: config.int('broker.heartbeat.interval.ms'),
    log: o.clusterLog,
    features: o.features,
    deferRegistration: true,
  });
  try {
    const clusterId = control.clusterId;
    if (dataDir !== undefined) await adoptClusterMeta(dataDir, nodeId, clusterId);
    const image = control.image();
    const configsOf = (name: string): Readonly<Record<string, string>> => control.image().topic(name)?.configs ?? {};
    const assigned = image.topics().map((t) => ({ ...t, hosted: (i: number) => t.partitionStates[i]?.replicas.includes(nodeId) ?? false }));
    const logs: BrokerLogs = dataDir === undefined ? new MemoryLogStore(config, configsOf, o.storageLog) : await LogManager.open(config, assigned, configsOf, o.storageLog);
    if (logs.recoveryStats.recovered > 0) o.log.info({ partitions: logs.recoveryStats.recovered, ms: logs.recoveryStats.ms }, 'recovered partitions after an unclean shutdown');
    const topicSetting = (topic: string, key: string): string => configsOf(topic)[key] ?? topicDefault(config, key);
    const events = new ClusterEventCounts();
    const replicas = new ReplicaManager({
      nodeId,
      logs,
      control,
      interBrokerListener: config.get('inter.broker.listener.name'),
      minInsyncReplicas: (topic) => Number(topicSetting(topic, 'min.insync.replicas')),
      lagTimeMaxMs: () => config.num('replica.lag.time.max.ms'),
      fetcher: {
        maxWaitMs: config.int('replica.fetch.wait.max.ms'),
        minBytes: 1,
        partitionMaxBytes: config.int('replica.fetch.max.bytes'),
        responseMaxBytes: config.int('replica.fetch.response.max.bytes'),
        backoffMs: config.int('replica.fetch.backoff.ms'),
      },
      log: o.clusterLog,
      onIsrChange: (kind) => (kind === 'shrink' ? events.isrShrinks++ : events.isrExpands++),
    });
    const owner = new ClusterMetadataOwner({ control, defaultReplicationFactor: config.int('default.replication.factor') });
    const controller = new Controller(control, { uncleanLeaderElection: config.bool('unclean.leader.election.enable'), onLeaderElected: () => events.leaderElections++ });
    const metrics: ClusterMetricsSource = {
      events,
      activeController: () => controller.active,
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
    return {
      clusterId,
      nodeId,
      logs,
      owner,
      partitions: replicas,
      metrics,
      producerIds: ProducerIdAllocator.fromBlocks((size) => control.allocateProducerIdBlock(size)),
      async internalTopic(name, partitions, replicationFactor, configs) {
        const existing = owner.get(name);
        if (existing) return existing;
        const extra: Record<string, string> = name === TXN_TOPIC ? { 'min.insync.replicas': String(config.int('transaction.state.log.min.isr')) } : {};
        try {
          return await owner.create(name, partitions, { ...configs, ...extra }, replicationFactor);
        } catch (err) {
          // Kafka waits for enough brokers: the topic is created on a later request.
          if (err instanceof TopicError && err.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR) return undefined;
          throw err;
        }
      },
      async listening(broker) {
        await control.register(broker);
        await replicas.start();
        controller.start();
      },
      async stopping() {
        if (!config.bool('controlled.shutdown.enable') || !control.registered) return;
        const moved = await requestControlledShutdown(control, config.int('broker.session.timeout.ms'));
        if (!moved) o.log.warn('controlled shutdown did not move every leadership away in time');
      },
      async close() {
        if (closed) return;
        closed = true;
        await controller.stop();
        await replicas.close();
        await control.close();
      },
    };
  } catch (err) {
    await control.close();
    throw err;
  }
}
