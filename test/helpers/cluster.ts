/**
 * A real cluster for tests: a real etcd (test/helpers/etcd.ts) and brokers as separate processes
 * (`bin/runnel.js start`), each on free ports with its own temporary data directory, so that
 * kill -9, SIGSTOP and SIGTERM are what they are in production. Timeouts are short so that
 * failover fits in a test: broker.session.timeout.ms 3 s, heartbeats every 500 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type TestEtcd } from './etcd.js';
import { freePort } from './ports.js';

const BIN = fileURLToPath(new URL('../../bin/runnel.js', import.meta.url));

export const FAST_CLUSTER: Record<string, string> = {
  'broker.session.timeout.ms': '3000',
  'broker.heartbeat.interval.ms': '500',
  'replica.lag.time.max.ms': '4000',
  'replica.fetch.wait.max.ms': '200',
  'replica.fetch.backoff.ms': '200',
  'auto.create.topics.enable': 'false',
  'offsets.topic.num.partitions': '3',
  'transaction.state.log.num.partitions': '3',
  'group.initial.rebalance.delay.ms': '0',
};

export class BrokerProcess {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** The last lines of its log (stdout and stderr), for a failing test's message. */
  output = '';
  /**
   * The port of its /metrics server (new at each start), from its "Runnel started" line (kept
   * apart: on a busy start that line scrolls out of `output` before a test reads it).
   */
  metricsPort: number | undefined;

  constructor(
    readonly id: number,
    readonly port: number,
    readonly dataDir: string,
    private readonly settings: Record<string, string>,
  ) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the process and resolves once it logged that it started. */
  async start(timeoutMs = 30_000): Promise<void> {
    const args = [BIN, 'start'];
    for (const [k, v] of Object.entries(this.settings)) args.push('--override', `${k}=${v}`);
    // Only this process's own lines count (an earlier run's "Runnel started" must not).
    this.output = '';
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNNEL_LOG_LEVEL: process.env.RUNNEL_TEST_LOG_LEVEL ?? 'info' } });
    this.proc = p;
    this.exited = new Promise((res) => p.once('exit', () => res()));
    let started = false;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.id} did not start in ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const onData = (d: Buffer): void => {
        this.output = (this.output + d.toString()).slice(-20_000);
        if (!started && this.output.includes('"Runnel started"')) {
          started = true;
          const m = /"Runnel started".*?"metrics":"http:\/\/[^"]*:(\d+)\/metrics"|"metrics":"http:\/\/[^"]*:(\d+)\/metrics".*?"Runnel started"/.exec(this.output);
          this.metricsPort = m ? Number(m[1] ?? m[2]) : undefined;
          clearTimeout(timer);
          resolve();
        }
      };
      p.stdout!.on('data', onData);
      p.stderr!.on('data', onData);
      p.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!started) reject(new Error(`broker ${this.id} exited (${code ?? signal}) while starting:\n${this.output}`));
      });
    });
    await ready;
  }

  /** Sends a signal; SIGKILL and SIGTERM wait for the exit. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.proc!.kill(sig);
    if (sig === 'SIGKILL' || sig === 'SIGTERM') await this.exited;
  }

  kill9(): Promise<void> {
    return this.signal('SIGKILL');
  }
}

export interface TestCluster {
  etcd: TestEtcd;
  brokers: BrokerProcess[];
  /** Every broker's address, comma-separated (a client's bootstrap list). */
  bootstrap: string;
  broker(id: number): BrokerProcess;
  stop(): Promise<void>;
}

/**
 * `extraListeners`: listeners each broker opens after its PLAINTEXT one (which stays the one clients
 * bootstrap from), e.g. `BROKER://127.0.0.1:<free port>` for an inter-broker listener.
 */
export async function startCluster(
  opts: { brokers?: number; config?: Record<string, string>; brokerConfig?: (id: number) => Record<string, string>; extraListeners?: (id: number) => Promise<string>; etcd?: TestEtcd; startTimeoutMs?: number } = {},
): Promise<TestCluster> {
  const etcd = opts.etcd ?? (await startEtcd());
  const prefix = `/runnel-test-${process.pid}-${Date.now()}`;
  const brokers: BrokerProcess[] = [];
  const dirs: string[] = [];
  try {
    for (let id = 1; id <= (opts.brokers ?? 3); id++) {
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), `runnel-b${id}-`));
      dirs.push(dir);
      brokers.push(
        new BrokerProcess(id, port, dir, {
          ...FAST_CLUSTER,
          ...opts.config,
          ...opts.brokerConfig?.(id),
          'node.id': String(id),
          listeners: [`PLAINTEXT://127.0.0.1:${port}`, ...(opts.extraListeners ? [await opts.extraListeners(id)] : [])].join(','),
          'log.dirs': dir,
          'runnel.etcd.endpoints': etcd.endpoints,
          'runnel.etcd.prefix': prefix,
          // 0: the broker binds a free port itself and names it in its "Runnel started" line
          // (a port picked here could be taken by another process before the broker binds it).
          'runnel.metrics.port': '0',
        }),
      );
    }
    await Promise.all(brokers.map((b) => b.start(opts.startTimeoutMs)));
  } catch (err) {
    for (const b of brokers) await b.kill9();
    if (!opts.etcd) await etcd.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    throw err;
  }
  return {
    etcd,
    brokers,
    bootstrap: brokers.map((b) => b.bootstrap).join(','),
    broker: (id) => brokers.find((b) => b.id === id)!,
    async stop() {
      for (const b of brokers) await b.kill9();
      if (!opts.etcd) await etcd.stop();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
}

/** The /metrics port of a running broker of `cluster` (it changes when the broker restarts). */
export function metricsPortOf(cluster: TestCluster, brokerId: number): number {
  const port = cluster.broker(brokerId).metricsPort;
  if (port === undefined) throw new Error(`no metrics port in the "Runnel started" line of broker ${brokerId}`);
  return port;
}
