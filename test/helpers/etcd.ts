/**
 * A real etcd v3 for cluster tests: /usr/bin/etcd as a child process on free 127.0.0.1 ports with
 * a temporary data directory. There is no skip: a missing etcd fails the test that asked for it
 * (.ci/run installs Debian's etcd-server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const ETCD_BIN = process.env.RUNNEL_ETCD_BIN ?? '/usr/bin/etcd';

export interface TestEtcd {
  /** host:port of the client URL (what runnel.etcd.endpoints takes). */
  endpoints: string;
  /** Stops etcd and removes its data. */
  stop(): Promise<void>;
  /** SIGKILL, data kept (restart() brings it back with the same data). */
  kill(): void;
  /** Starts etcd again on the same ports and data (after kill(), or kills it first). */
  restart(): Promise<void>;
}

async function healthy(clientPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${clientPort}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/** `maxTxnOps`: etcd's --max-txn-ops (default here 4096; etcd's own default is 128). */
export async function startEtcd(opts: { maxTxnOps?: number } = {}): Promise<TestEtcd> {
  if (!existsSync(ETCD_BIN)) throw new Error(`etcd is not installed at ${ETCD_BIN} (apt-get install etcd-server); cluster tests need a real etcd`);
  const dir = await mkdtemp(join(tmpdir(), 'runnel-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'test',
    '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `test=${peer}`,
    // A topic's creation is one transaction of one put per partition.
    '--max-txn-ops', String(opts.maxTxnOps ?? 4096),
    '--log-level', 'warn',
  ];
  let proc: ChildProcess | undefined;
  let exiting: Promise<void> = Promise.resolve();
  let stderr = '';

  const launch = async (): Promise<void> => {
    stderr = '';
    const p = spawn(ETCD_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    let exited = false;
    p.once('exit', () => (exited = true));
    p.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`etcd exited while starting: ${stderr}`);
      if (await healthy(clientPort)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    p.kill('SIGKILL');
    throw new Error(`etcd not healthy on ${client} after 20 s: ${stderr}`);
  };

  const killNow = (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (p && p.exitCode === null && p.signalCode === null) {
      const gone = new Promise<void>((res) => p.once('exit', () => res()));
      p.kill('SIGKILL');
      exiting = exiting.then(() => gone);
    }
    return exiting;
  };

  await launch();
  return {
    endpoints: `127.0.0.1:${clientPort}`,
    async stop() {
      await killNow();
      await rm(dir, { recursive: true, force: true });
    },
    kill() {
      void killNow();
    },
    async restart() {
      await killNow();
      await launch();
    },
  };
}
