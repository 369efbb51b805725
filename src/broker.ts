/**
 * The broker as a library: `startBroker()` wires configuration, the data directory, the topic
 * catalogue and the network server together and gives back the bound address and `close()`.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig, ConfigError } from './config/config.js';
import { brokerFeatures } from './cluster/features.js';
import type { BrokerImage } from './cluster/metadata-image.js';
import { lockDirs } from './storage/dir-lock.js';
import { FetchSessionCache } from './fetch/session-cache.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { TxnCoordinator } from './transactions/txn-coordinator.js';
import { markerSender, RemoteMarkerChannel } from './transactions/marker-sender.js';
import { coordinatorPartitions, coordinatorTopicSettings, CoordinatorTopics, followLeadership, localMarkerHandle } from './cluster/coordinator-wiring.js';
import { partitionFor, TXN_TOPIC } from './cluster/internal-topics.js';
import { DeferredMetrics, noMetrics } from './metrics/broker-metrics.js';
import type { Server } from 'node:http';
import { GroupStore, OFFSETS_TOPIC } from './groups/group-store.js';
import { KafkaServer } from './server/server.js';
import { advertisedRanges } from './handlers/index.js';
import type { BrokerServices } from './handlers/types.js';
import { createLogger, silentLogger, type Logger } from './util/logger.js';
import { BrokerLoggers } from './util/loggers.js';
import { DynamicConfigs } from './config/dynamic-configs.js';
import { FileDynamicConfigStore, type DynamicConfigStore } from './config/dynamic-config-store.js';
import { VERSION } from './version.js';
import { openSingleNode } from './topology/single-node.js';
import { openClientQuotas } from './quotas/open-quotas.js';
import { LocalScramStore } from './security/scram/credential-store.js';
import { openAuthorizer } from './security/acl/open-authorizer.js';
import type { TrafficMeter } from './console/meter.js';
import type { ListenerSpec } from './security/listener-spec.js';
import { brokerInterBrokerSecurity } from './client/security/inter-broker.js';

export interface StartBrokerOptions {
  /** Port to listen on; 0 picks a free one. Overrides the port of `listeners`. */
  port?: number;
  /** Interface to listen on; overrides the host of `listeners`. */
  host?: string;
  /**
   * Data directory. When neither this nor log.dirs/log.dir is given, a temporary directory is
   * created and removed again by close(): the broker of a test leaves nothing behind.
   */
  dataDir?: string;
  /**
   * Where partition logs and the broker's state live. 'file' (the default): the data directory.
   * 'memory': nowhere on disk. Every partition gets an in-memory log, and topics, the cluster id,
   * producer ids and dynamic configs are kept in memory too; no data directory is created or
   * locked, and everything is gone at close(). log.dirs/log.dir are ignored; `dataDir` with it is
   * an error.
   */
  storage?: 'file' | 'memory';
  /** server.properties keys, or a loaded configuration. */
  config?: BrokerConfig | Record<string, string | number | boolean>;
  /** A pino logger; by default the embedded broker is silent and `runnel start` logs to stdout. */
  logger?: Logger;
  logLevel?: string;
  /**
   * Serve /metrics and /health on runnel.metrics.port (default 9404). `runnel start` does; an
   * embedded broker does only when asked or when the key is set.
   */
  metrics?: boolean;
  /**
   * Serve the web console (README "Web console"): on runnel.console.port when set, else on the
   * HTTP server of /metrics (runnel.metrics.port, started for it). `runnel start` does when
   * runnel.console.enable is true (the default); an embedded broker only when asked.
   */
  console?: boolean;
}

export interface Broker {
  /** The address the first listener is bound to. */
  host: string;
  port: number;
  /** Every listener, with the address and port it is bound to. */
  listeners: ListenerSpec[];
  /** Port of /metrics and /health, when served. */
  metricsPort?: number;
  /** Port of the web console, when served. */
  consolePort?: number;
  /** `host:port` clients should bootstrap from (the advertised listener). */
  bootstrap: string;
  clusterId: string;
  nodeId: number;
  /** The data directory; '' with storage: 'memory'. */
  dataDir: string;
  config: BrokerConfig;
  /** What the handlers are given: for in-process fuzzing of the handlers (fuzz/targets/handlers.ts). */
  services: BrokerServices;
  close(): Promise<void>;
}

export async function startBroker(opts: StartBrokerOptions = {}): Promise<Broker> {
  const started = performance.now();
  const log = opts.logger ?? (opts.logLevel ? createLogger({ level: opts.logLevel }) : silentLogger);
  const settings: Record<string, string> = {};
  const base = opts.config instanceof BrokerConfig ? undefined : opts.config;
  for (const [k, v] of Object.entries(base ?? {})) settings[k] = String(v);
  let config = opts.config instanceof BrokerConfig ? opts.config : new BrokerConfig(settings);
  for (const n of config.notices) log[n.level](n.message);
  // opts.host applies to every listener, opts.port to the first (the one `bootstrap` names).
  const listeners = config.listeners().map((l, i) => ({ ...l, host: opts.host ?? l.host, port: i === 0 ? (opts.port ?? l.port) : l.port }));
  const metrics = opts.metrics ?? config.isSet('runnel.metrics.port');
  const webConsole = opts.console ?? false;

  if (opts.storage === 'memory') {
    if (opts.dataDir) throw new ConfigError(`dataDir (${opts.dataDir}) cannot be used with storage: 'memory'`);
    return open(config, { listeners, dataDir: undefined, ephemeral: undefined, log, started, metrics, webConsole }, async () => undefined);
  }
  if (opts.storage !== undefined && opts.storage !== 'file') throw new ConfigError(`storage must be 'file' or 'memory', not ${String(opts.storage)}`);

  let ephemeral: string | undefined;
  let dataDir: string;
  if (opts.dataDir) dataDir = opts.dataDir;
  else if (config.isSet('log.dirs') || config.isSet('log.dir')) dataDir = config.logDirs[0];
  else dataDir = ephemeral = await mkdtemp(join(tmpdir(), 'runnel-'));
  if (opts.dataDir || ephemeral) {
    // Make the configuration say where the data really is (DescribeConfigs, DescribeLogDirs).
    config = withOverride(config, 'log.dirs', dataDir);
  }
  try {
    return await launch(config, { listeners, dataDir, ephemeral, log, started, metrics, webConsole });
  } catch (err) {
    // A failed start (port in use, unreadable data) leaves no temporary directory behind.
    if (ephemeral) await rm(ephemeral, { recursive: true, force: true });
    throw err;
  }
}

interface LaunchOptions {
  listeners: ListenerSpec[];
  /** undefined: storage 'memory', nothing on disk. */
  dataDir: string | undefined;
  ephemeral: string | undefined;
  log: Logger;
  started: number;
  metrics: boolean;
  webConsole: boolean;
}

async function launch(config: BrokerConfig, opts: LaunchOptions): Promise<Broker> {
  // Every data directory is this broker's alone until close() (or its death): see storage/dir-lock.ts.
  const dirs = [...new Set([opts.dataDir!, ...config.logDirs])];
  for (const d of dirs) await mkdir(d, { recursive: true });
  const locks = await lockDirs(dirs, (dir) => opts.log.error({ dir }, 'the .lock file of a data directory was removed or replaced: another broker may be using it'));
  const release = async (): Promise<void> => {
    for (const l of locks) await l.release();
  };
  try {
    return await open(config, opts, release);
  } catch (err) {
    await release();
    throw err;
  }
}

async function open(config: BrokerConfig, { listeners, dataDir, ephemeral, log, started, metrics: serveMetrics, webConsole }: LaunchOptions, unlock: () => Promise<void>): Promise<Broker> {
  const loggers = new BrokerLoggers(log);
  const clusterConfigured = config.list('runnel.etcd.endpoints').length > 0;
  // Loaded only in a cluster: the etcd client (gRPC, protobufs) is most of a single node's start-up time otherwise.
  // Before the logs open: stored dynamic broker configs are log defaults too (in a cluster, from etcd: onConfigStore).
  let dynamicConfigs = clusterConfigured ? undefined : DynamicConfigs.open(config, await FileDynamicConfigStore.open(dataDir), log);
  // Transaction version 2 makes a partition leader add its partition to a transaction coordinated on
  // another broker (KIP-890), which a cluster does not do yet: clients there use version 1.
  const features = brokerFeatures(config, Date.now(), clusterConfigured ? 1 : 2);
  if (clusterConfigured && config.int('runnel.transaction.version') > 1) log.info('transaction.version is finalized at 1 in a cluster (version 2 across brokers is not supported yet)');
  const nodeOptions = { config, dataDir, features, broker: (id: number) => brokerImage(config, id), storageLog: loggers.get('runnel.storage'), log };
  const onConfigStore = (store: DynamicConfigStore) => void (dynamicConfigs = DynamicConfigs.open(config, store, log));
  const topology = clusterConfigured ? await (await import('./topology/cluster-node.js')).openClusterTopology({ ...nodeOptions, clusterLog: loggers.get('runnel.cluster'), onConfigStore }) : await openSingleNode(nodeOptions);
  if (!dynamicConfigs) throw new Error('no dynamic config store');
  const configs = dynamicConfigs;
  const { logs, owner: topics, producerIds } = topology;
  const quotas = await openClientQuotas(config, topology.quotaStore, dataDir, log);
  const scram = topology.scramStore ?? (await LocalScramStore.open(dataDir, (msg) => log.warn(msg)));
  const meta = { clusterId: topology.clusterId, nodeId: topology.nodeId };
  const { partitions } = topology;
  // Coordinators write through partition handles and serve the partitions of their internal topic
  // this broker leads: on one node all of them, loaded now; in a cluster as leadership comes and goes.
  // One node creates the internal topics now; a cluster on the first FindCoordinator (CoordinatorTopics).
  const clustered = topology.clustered;
  // The other partitions open in the background while the broker listens (requests wait for them).
  await logs.whenOpen([OFFSETS_TOPIC, TXN_TOPIC]);
  if (!clustered) for (const t of [OFFSETS_TOPIC, TXN_TOPIC]) await topics.create(t, coordinatorTopicSettings(config, t).partitions, { 'cleanup.policy': 'compact' });
  const partitionCount = (name: string) => () => topics.get(name)?.partitions ?? 0;
  const groups = new GroupCoordinator(config, new GroupStore(coordinatorPartitions(OFFSETS_TOPIC, { partitions, logs, count: partitionCount(OFFSETS_TOPIC) })), loggers.get('runnel.groups'), topics);
  groups.consumer.useGroupSettings((id) => configs.groupSettings(id));
  if (!clustered) await groups.load();
  const interBrokerListener = config.interBrokerListener().name;
  const remoteMarkers = clustered
    ? new RemoteMarkerChannel({ nodeId: meta.nodeId, image: () => topics.image(), interBrokerListener, requestTimeoutMs: 30_000, security: brokerInterBrokerSecurity(config), log: loggers.get('runnel.transactions') })
    : undefined;
  const transactions = new TxnCoordinator(
    config,
    coordinatorPartitions(TXN_TOPIC, { partitions, logs, count: partitionCount(TXN_TOPIC) }),
    producerIds,
    {
      markers: markerSender(localMarkerHandle(partitions), remoteMarkers),
      topicExists: (t, i) => {
        const info = topics.get(t);
        return !!info && i >= 0 && i < info.partitions;
      },
      completeTxnOffsets: async (g, pid, commit, epoch, marker) => {
        // A group coordinated elsewhere gets the marker on its __consumer_offsets partition, whose leader completes the offsets.
        if (remoteMarkers && groups.coordinatorError(g) !== 0) return remoteMarkers.write(OFFSETS_TOPIC, partitionFor(g, partitionCount(OFFSETS_TOPIC)()), marker);
        return groups.completeTxnOffsets(g, pid, commit, epoch);
      },
    },
    loggers.get('runnel.transactions'),
  );
  if (!clustered) await transactions.load();
  topology.onLeadership(followLeadership(groups, transactions, loggers.get('runnel.groups')));
  const boundPorts = new Map(listeners.map((l) => [l.name, l.port]));
  // prom-client is imported once the listeners are open, and only if /metrics is served; what
  // happens meanwhile is replayed into it.
  const deferredMetrics = new DeferredMetrics();
  // Loaded only when served: the tools and embedded brokers without it do not pay for its modules.
  const consoleModule = webConsole ? await import('./console/server.js') : undefined;
  const meter: TrafficMeter | undefined = consoleModule ? new consoleModule.TrafficMeter() : undefined;
  const services: BrokerServices = {
    config,
    clusterId: meta.clusterId,
    nodeId: meta.nodeId,
    advertised: () => config.advertisedListeners(boundPorts)[0],
    topics,
    partitions,
    coordinatorTopics: clustered ? new CoordinatorTopics({ topics, image: () => topics.image(), settings: (t) => coordinatorTopicSettings(config, t), log }) : undefined,
    metadata: topics,
    fetchSessions: new FetchSessionCache(config.int('max.incremental.fetch.session.cache.slots')),
    groups,
    reassignments: topology.reassignments,
    producerIds,
    leaderElections: topology.leaderElections,
    transactions,
    metrics: meter ? meter.wrap(deferredMetrics) : deferredMetrics,
    apiRanges: advertisedRanges,
    dynamicConfigs: configs,
    loggers,
    brokerRegistry: topology.brokerRegistry,
    quotas,
    scram,
    authorizer: await openAuthorizer(config, topology.aclStore, dataDir, loggers.get('kafka.authorizer.logger')),
    storage: logs,
    log,
  };
  const connectionOptions = { maxRequestSize: config.int('socket.request.max.bytes'), maxInFlight: 64 };
  const servers: KafkaServer[] = [];
  const bound: ListenerSpec[] = [];
  const closeServers = (timeoutMs: number) => Promise.all(servers.map((s) => s.close(timeoutMs)));
  /** A start that failed after the listeners were opened: everything opened so far is closed again. */
  const abandon = async (): Promise<void> => {
    await closeServers(0);
    groups.close();
    await quotas.store.close();
    await scram.close();
    await topology.close();
    await logs.close();
  };
  try {
    for (const spec of listeners) {
      const server = new KafkaServer(spec, services, connectionOptions, loggers.get('runnel.server'));
      servers.push(server);
      const at = await server.listen(spec.host, spec.port);
      bound.push({ ...spec, host: at.host, port: at.port });
    }
  } catch (err) {
    await abandon();
    throw err;
  }
  const host = listeners[0].host;
  let metricsServer: { server: Server; port: number } | undefined;
  let consoleServer: { server: Server; port: number } | undefined;
  let stopping = false;
  const web = consoleModule && meter ? new consoleModule.WebConsole(services, meter, consoleOptions(config)) : undefined;
  const ownConsolePort = web && config.isSet('runnel.console.port');
  if (serveMetrics || (web && !ownConsolePort)) {
    const { PrometheusMetrics, startMetricsServer } = await import('./metrics/metrics.js');
    const prometheus = new PrometheusMetrics(logs, groups, topology.metrics);
    const dropped = deferredMetrics.attach(prometheus);
    if (dropped > 0) log.warn({ dropped }, 'metrics of the first moments after start-up were dropped');
    try {
      metricsServer = await startMetricsServer(prometheus, host, config.int('runnel.metrics.port'), () => !stopping, ownConsolePort ? undefined : web && ((req, res) => web.handle(req, res)));
      if (web && !ownConsolePort) web.attach(metricsServer.server);
    } catch (err) {
      await abandon();
      throw new Error(`cannot serve metrics on port ${config.int('runnel.metrics.port')}: ${(err as Error).message}`);
    }
  } else {
    // Nothing serves them (an embedded broker by default): prom-client is never loaded.
    deferredMetrics.attach(noMetrics);
  }
  if (web && ownConsolePort) {
    try {
      consoleServer = await web.listen(host, config.int('runnel.console.port'));
    } catch (err) {
      if (metricsServer) await closeHttp(metricsServer.server);
      await abandon();
      throw new Error(`cannot serve the console on port ${config.int('runnel.console.port')}: ${(err as Error).message}`);
    }
  }
  web?.start();
  logs.startBackgroundWork();
  groups.start();
  transactions.start();
  for (const b of bound) boundPorts.set(b.name, b.port);
  await topology.listening(brokerImage(config, meta.nodeId, boundPorts));
  const adv = services.advertised();
  log.info(
    {
      version: VERSION,
      listeners: bound.map((l) => `${l.name}://${l.host}:${l.port}${l.name === l.securityProtocol ? '' : ` (${l.securityProtocol})`}`).join(','),
      advertised: `${adv.host}:${adv.port}`,
      dataDir: dataDir ?? '(storage: memory)',
      clusterId: meta.clusterId,
      nodeId: meta.nodeId,
      topics: topics.list().length,
      partitions: topics.list().reduce((n, t) => n + t.partitions, 0),
      metrics: metricsServer ? `http://${host || '0.0.0.0'}:${metricsServer.port}/metrics` : 'off',
      console: web ? `http://${host || 'localhost'}:${(consoleServer ?? metricsServer)?.port}/` : 'off',
      startupMs: Math.round(performance.now() - started),
    },
    'Runnel started',
  );

  let closing: Promise<void> | undefined;
  return {
    host: bound[0].host,
    port: bound[0].port,
    listeners: bound,
    bootstrap: `${adv.host}:${adv.port}`,
    clusterId: meta.clusterId,
    nodeId: meta.nodeId,
    dataDir: dataDir ?? '',
    config,
    services,
    metricsPort: metricsServer?.port,
    consolePort: web ? (consoleServer ?? metricsServer)?.port : undefined,
    close() {
      closing ??= (async () => {
        stopping = true; // /health answers 503 while the broker drains
        await topology.stopping();
        await closeServers(config.int('runnel.shutdown.timeout.ms'));
        await web?.close();
        if (consoleServer) await closeHttp(consoleServer.server);
        if (metricsServer) await closeHttp(metricsServer.server);
        groups.close();
        transactions.close();
        remoteMarkers?.close();
        await quotas.store.close();
        await scram.close();
        await topology.close();
        await logs.close();
        await unlock();
        if (ephemeral) await rm(ephemeral, { recursive: true, force: true });
        log.info('Runnel stopped');
      })();
      return closing;
    },
  };
}

function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function consoleOptions(config: BrokerConfig): { readOnly: boolean; lagSampleMs: number; historyMs: number } {
  return { readOnly: config.bool('runnel.console.read.only'), lagSampleMs: config.int('runnel.console.lag.sample.ms'), historyMs: config.int('runnel.console.history.minutes') * 60_000 };
}

/** This broker as the image lists it: its advertised endpoints (with the bound ports once known) and broker.rack. */
function brokerImage(config: BrokerConfig, nodeId: number, boundPorts?: ReadonlyMap<string, number>): BrokerImage {
  const endpoints = config.advertisedListeners(boundPorts).map((a) => ({ listener: a.name, host: a.host, port: a.port }));
  return { id: nodeId, endpoints, rack: config.get('broker.rack') ?? null };
}

function withOverride(config: BrokerConfig, key: string, value: string): BrokerConfig {
  // Every static key, listener-prefixed ones (listener.name.*) included.
  const settings = config.staticValues();
  settings.set(key, value);
  return new BrokerConfig(settings);
}
