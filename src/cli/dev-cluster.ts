/**
 * `runnel dev-cluster`: a local cluster for development in one command: etcd (Debian's
 * etcd-server) and N brokers as child processes, their output prefixed with [etcd] and
 * [broker-N], stopped together on Ctrl-C or SIGTERM.
 *
 * The children run in process groups of their own, so that a Ctrl-C at the terminal reaches only
 * this process, which stops them in order: the brokers first (SIGTERM, a controlled shutdown that
 * needs etcd), then etcd. A broker that dies meanwhile (kill -9 to try a failover) is reported and
 * the rest keep running. If this process itself is killed with SIGKILL its children stay behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { option, UsageError } from './args.js';
import { intOption, keyValues, runFlagTool } from './tool.js';
import { PACKAGE_ROOT } from '../util/package-root.js';

const HELP = `Usage: runnel dev-cluster [--brokers N] [--port P] [--dir D] [--override KEY=VALUE ...]

Starts a local cluster for development: etcd and N brokers as child processes, their output
prefixed with [etcd] and [broker-N]. Ctrl-C (or SIGTERM) stops them all.

Options:
  --brokers N            Number of brokers (default 3), node ids 1..N
  --port P               Port of broker 1 (default 9092); broker i listens on P+i-1
  --dir D                Keep etcd's and the brokers' data in D (kept after exit, reused by the
                         next run); default: a temporary directory, removed on exit
  --override KEY=VALUE   A broker config for every broker (repeatable)
  --help                 Show this help

Environment:
  RUNNEL_ETCD_BIN        The etcd binary (default /usr/bin/etcd; Debian: apt-get install etcd-server)
`;

const BIN = join(PACKAGE_ROOT, 'bin', 'runnel.js');
const STOP_TIMEOUT_MS = 30_000;

/** `count` distinct free ports (held open together, so none is handed out twice). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, () => s.close(() => res(true)));
  });
}

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
  /** The last of its output, for an error message. */
  tail: string;
}

/** Spawns a child in its own process group with its output prefixed line by line. */
function launch(name: string, cmd: string, args: string[], onLine?: (line: string) => void): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const child: Child = { name, proc, exited: new Promise((res) => proc.once('close', () => res())), tail: '' };
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      child.tail = (child.tail + line + '\n').slice(-4000);
      process.stdout.write(`[${name}] ${line}\n`);
      onLine?.(line);
    });
  }
  return child;
}

function alive(c: Child): boolean {
  return c.proc.exitCode === null && c.proc.signalCode === null;
}

async function stopChild(c: Child, signal: NodeJS.Signals): Promise<void> {
  if (!alive(c)) return c.exited;
  c.proc.kill(signal);
  const timer = setTimeout(() => {
    if (alive(c)) {
      process.stdout.write(`[dev-cluster] ${c.name} did not stop in ${STOP_TIMEOUT_MS / 1000} s; killing it\n`);
      c.proc.kill('SIGKILL');
    }
  }, STOP_TIMEOUT_MS);
  await c.exited;
  clearTimeout(timer);
}

async function waitFor(what: string, child: Child, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(child)) throw new Error(`${child.name} exited while starting (${child.proc.exitCode ?? child.proc.signalCode}):\n${child.tail}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s:\n${child.tail}`);
}

async function etcdHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** The replication settings a cluster of n brokers can satisfy (Kafka's defaults from three up). */
function replicationDefaults(n: number): Record<string, string> {
  const rf = String(Math.min(3, n));
  const minIsr = String(n >= 3 ? 2 : 1);
  return {
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
  };
}

export function devClusterCommand(argv: string[]): Promise<number> {
  return runFlagTool('dev-cluster', argv, HELP, async (flags) => {
    const n = intOption(flags, '--brokers', 1) ?? 3;
    const base = intOption(flags, '--port', 1) ?? 9092;
    if (base + n - 1 > 65535) throw new UsageError(`--port ${base} leaves no room for ${n} brokers`);
    const overrides = keyValues(flags.get('--override'), '--override');
    const etcdBin = process.env.RUNNEL_ETCD_BIN ?? '/usr/bin/etcd';
    if (!existsSync(etcdBin)) throw new Error(`etcd is not installed (no ${etcdBin}). On Debian or Ubuntu: apt-get install etcd-server (or set RUNNEL_ETCD_BIN)`);
    for (let i = 0; i < n; i++) if (!(await portFree(base + i))) throw new Error(`port ${base + i} is in use (choose another base with --port)`);

    const given = option(flags, '--dir');
    const dir = given ? resolve(given) : await mkdtemp(join(tmpdir(), 'runnel-dev-cluster-'));
    await mkdir(dir, { recursive: true });
    const children: Child[] = [];
    let etcd: Child | undefined;
    let stopping: Promise<void> | undefined;
    const stopAll = (): Promise<void> =>
      (stopping ??= (async () => {
        process.stdout.write('[dev-cluster] stopping\n');
        await Promise.all(children.map((c) => stopChild(c, 'SIGTERM')));
        if (etcd) await stopChild(etcd, 'SIGTERM');
        if (!given) await rm(dir, { recursive: true, force: true });
      })());
    // Whatever happens to this process short of SIGKILL, no child outlives it.
    const killAll = (): void => {
      for (const c of [...children, ...(etcd ? [etcd] : [])]) if (alive(c)) c.proc.kill('SIGKILL');
    };
    process.on('exit', killAll);
    let signalled: (() => void) | undefined;
    const stopped = new Promise<void>((res) => (signalled = res));
    const onSignal = (): void => signalled!();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    try {
      const [clientPort, peerPort, ...metricsPorts] = await freePorts(2 + n);
      const client = `http://127.0.0.1:${clientPort}`;
      const peer = `http://127.0.0.1:${peerPort}`;
      etcd = launch('etcd', etcdBin, [
        '--name', 'runnel-dev',
        '--data-dir', join(dir, 'etcd'),
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `runnel-dev=${peer}`,
        // A topic's creation is one transaction of one put per partition.
        '--max-txn-ops', '4096',
        '--logger', 'zap',
        '--log-level', 'warn',
      ]);
      await waitFor('etcd', etcd, () => etcdHealthy(clientPort), 30_000);

      const started = new Set<number>();
      const addresses: string[] = [];
      for (let id = 1; id <= n; id++) {
        const port = base + id - 1;
        addresses.push(`localhost:${port}`);
        const settings: Record<string, string> = {
          'node.id': String(id),
          listeners: `PLAINTEXT://:${port}`,
          'advertised.listeners': `PLAINTEXT://localhost:${port}`,
          'log.dirs': join(dir, `broker-${id}`),
          'runnel.etcd.endpoints': `127.0.0.1:${clientPort}`,
          'runnel.metrics.port': String(metricsPorts[id - 1]),
          ...replicationDefaults(n),
          ...Object.fromEntries(overrides),
        };
        const args = [BIN, 'start'];
        for (const [k, v] of Object.entries(settings)) args.push('--override', `${k}=${v}`);
        const broker = launch(`broker-${id}`, process.execPath, args, (line) => {
          if (line.includes('"Runnel started"')) started.add(id);
        });
        children.push(broker);
        void broker.exited.then(() => {
          if (!stopping) process.stdout.write(`[dev-cluster] broker-${id} exited (${broker.proc.exitCode ?? broker.proc.signalCode}); the others keep running\n`);
        });
      }
      await Promise.all(children.map((c, i) => waitFor(c.name, c, () => started.has(i + 1), 90_000)));
      process.stdout.write(
        `[dev-cluster] ${n} broker${n === 1 ? '' : 's'} up; bootstrap servers ${addresses.join(',')}; etcd at 127.0.0.1:${clientPort}; data in ${dir}${given ? '' : ' (removed on exit)'}. Ctrl-C stops the cluster.\n`,
      );
      await stopped;
      await stopAll();
      process.stdout.write('[dev-cluster] stopped\n');
      return 0;
    } catch (err) {
      await stopAll();
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
