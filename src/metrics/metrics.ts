/**
 * Prometheus metrics (prom-client, the standard Node library) and the HTTP endpoint that serves
 * them with /health. Hot paths only bump counters; partition sizes, offsets and group lag are read
 * when Prometheus scrapes. The broker imports this module once it listens (broker-metrics.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { BrokerLogs } from '../storage/log-store.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import { registerClusterMetrics, type ClusterMetricsSource } from './cluster-metrics.js';
import { ConsumerFetchMetrics, type ServedAs } from './consumer-fetch-metrics.js';
import type { BrokerMetrics } from './broker-metrics.js';

export type { BrokerMetrics } from './broker-metrics.js';

export class PrometheusMetrics implements BrokerMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'api' | 'version'>;
  private readonly bytesIn: Counter<'topic'>;
  private readonly recordsIn: Counter<'topic'>;
  private readonly bytesOut: Counter<'topic'>;
  private readonly errors: Counter<'api' | 'code'>;
  private readonly connections: Gauge;
  readonly recoverySeconds: Gauge;
  private readonly consumerFetches: ConsumerFetchMetrics;

  /** `cluster`: the replication and controller metrics of a broker in a cluster. */
  constructor(logs: BrokerLogs, groups: GroupCoordinator, cluster?: ClusterMetricsSource) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'runnel_process_' });
    this.requests = new Histogram({ name: 'runnel_request_duration_seconds', help: 'Requests handled, by API and version, and how long they took', labelNames: ['api', 'version'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [r] });
    this.bytesIn = new Counter({ name: 'runnel_topic_bytes_in_total', help: 'Record batch bytes appended', labelNames: ['topic'], registers: [r] });
    this.recordsIn = new Counter({ name: 'runnel_topic_records_in_total', help: 'Records appended', labelNames: ['topic'], registers: [r] });
    this.bytesOut = new Counter({ name: 'runnel_topic_bytes_out_total', help: 'Record batch bytes served to consumers', labelNames: ['topic'], registers: [r] });
    this.errors = new Counter({ name: 'runnel_errors_total', help: 'Error codes returned, by API and Kafka error code', labelNames: ['api', 'code'], registers: [r] });
    this.connections = new Gauge({ name: 'runnel_connections', help: 'Open client connections', registers: [r] });
    // Read when scraped: the logs open in the background after start-up (0 until they all are).
    this.recoverySeconds = new Gauge({
      name: 'runnel_log_recovery_seconds',
      help: 'Time taken to open the logs at start-up',
      registers: [r],
      collect() {
        this.set(logs.recoveryStats.ms / 1000);
      },
    });
    const flushes = new Histogram({ name: 'runnel_log_flush_duration_seconds', help: 'Duration of log fsyncs (flush policy, fsync on ack, segment rolls)', buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: [r] });
    logs.onFsync = (s) => flushes.observe(s);
    const partitionGauge = (name: string, help: string, value: (p: ReturnType<BrokerLogs['all']>[number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['topic', 'partition'],
        registers: [r],
        collect() {
          this.reset();
          for (const p of logs.all()) this.set({ topic: p.topic, partition: String(p.partition) }, value(p));
        },
      });
    };
    partitionGauge('runnel_partition_log_size_bytes', 'Bytes on disk per partition', (p) => p.size);
    partitionGauge('runnel_partition_log_end_offset', 'Log end offset (high watermark) per partition', (p) => p.highWatermark);
    partitionGauge('runnel_partition_log_start_offset', 'Log start offset per partition', (p) => p.logStartOffset);
    partitionGauge('runnel_partition_segments', 'Segments per partition', (p) => p.numberOfSegments);
    new Gauge({
      name: 'runnel_partitions',
      help: 'Partitions on this broker',
      registers: [r],
      collect() {
        this.set(logs.all().length);
      },
    });
    new Gauge({
      name: 'runnel_consumer_group_lag',
      help: 'Log end offset minus the committed offset, per group and partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [r],
      collect() {
        this.reset();
        for (const g of groups.offsetsManager.all()) {
          for (const [{ topic, partition }, o] of g.offsets) {
            const log = logs.partition(topic, partition);
            if (log) this.set({ group: g.groupId, topic, partition: String(partition) }, Math.max(0, log.highWatermark - Number(o.offset)));
          }
        }
      },
    });
    if (cluster) registerClusterMetrics(r, cluster);
    this.consumerFetches = new ConsumerFetchMetrics(r);
  }

  request(api: string, version: number, seconds: number): void {
    this.requests.observe({ api, version: String(version) }, seconds);
  }
  produced(topic: string, bytes: number, records: number): void {
    this.bytesIn.inc({ topic }, bytes);
    this.recordsIn.inc({ topic }, records);
  }
  fetched(topic: string, bytes: number): void {
    if (bytes > 0) this.bytesOut.inc({ topic }, bytes);
  }
  servedToConsumer(topic: string, as: ServedAs, batches: Buffer): void {
    this.consumerFetches.served(topic, as, batches);
  }
  preferredReadReplica(topic: string): void {
    this.consumerFetches.redirected(topic);
  }
  partitionError(api: string, code: number): void {
    this.errors.inc({ api, code: String(code) });
  }
  connectionOpened(): void {
    this.connections.inc();
  }
  connectionClosed(): void {
    this.connections.dec();
  }
}

/**
 * GET /metrics (Prometheus text format) and GET /health (200 "ok" while the broker serves);
 * `other` may serve the rest (the web console) and returns false for what it does not serve.
 */
export function startMetricsServer(
  metrics: PrometheusMetrics,
  host: string,
  port: number,
  healthy: () => boolean,
  other?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
    } else if (req.url === '/health') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'shutting down\n');
    } else if (!other?.(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host || undefined, port }, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}
