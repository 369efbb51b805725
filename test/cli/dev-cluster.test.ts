/**
 * `runnel dev-cluster`: etcd and N brokers as child processes that a client sees as one cluster,
 * with prefixed output, all stopped by one SIGINT (no process left behind); a clear message when
 * etcd is missing.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const BIN = fileURLToPath(new URL('../../bin/runnel.js', import.meta.url));
const dirs: string[] = [];
const procs: ChildProcess[] = [];

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function devCluster(args: string[], env: NodeJS.ProcessEnv = process.env): { proc: ChildProcess; out: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, 'dev-cluster', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((res) => proc.once('close', (code) => res(code)));
  return { proc, out: () => out, exit };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, () => s.close(() => res(true)));
  });
}

/** A base port with `n` free ports from it. */
async function freeRange(n: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, fn: () => boolean, timeoutMs: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${detail().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('runnel dev-cluster', () => {
  it('says how to install etcd when it is missing', async () => {
    const run = devCluster(['--brokers', '1'], { ...process.env, RUNNEL_ETCD_BIN: '/nonexistent/etcd' });
    expect(await run.exit).toBe(1);
    expect(run.out()).toBe('runnel dev-cluster: etcd is not installed (no /nonexistent/etcd). On Debian or Ubuntu: apt-get install etcd-server (or set RUNNEL_ETCD_BIN)\n');
  }, 30_000);

  it('starts etcd and three brokers a client sees as one cluster, and stops them all on SIGINT', async () => {
    const base = await freeRange(3);
    const dir = await mkdtemp(join(tmpdir(), 'runnel-dev-cluster-test-'));
    dirs.push(dir);
    const run = devCluster(['--brokers', '3', '--port', String(base), '--dir', dir]);
    await until('the cluster to come up', () => run.out().includes('[dev-cluster] 3 brokers up'), 120_000, run.out);
    expect(run.out()).toContain(`bootstrap servers localhost:${base},localhost:${base + 1},localhost:${base + 2}`);
    for (const prefix of ['[etcd] ', '[broker-1] ', '[broker-2] ', '[broker-3] ']) expect(run.out()).toMatch(new RegExp(`^${prefix.replace(/[[\]]/g, '\\$&')}`, 'm'));
    for (const d of ['etcd', 'broker-1', 'broker-2', 'broker-3']) expect(existsSync(join(dir, d))).toBe(true);

    const kafka = new Kafka({ clientId: 'dev-cluster-test', brokers: [`127.0.0.1:${base + 1}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => [b.nodeId, b.port]).sort()).toEqual([
        [1, base],
        [2, base + 1],
        [3, base + 2],
      ]);
      await admin.createTopics({ topics: [{ topic: 'dev', numPartitions: 1 }], waitForLeaders: true });
      const md = await admin.fetchTopicMetadata({ topics: ['dev'] });
      expect(md.topics[0].partitions[0].replicas.length).toBe(3); // default.replication.factor 3
    } finally {
      await admin.disconnect();
    }

    const children = childrenOf(run.proc.pid!);
    expect(children.length).toBeGreaterThanOrEqual(4); // etcd and three brokers
    run.proc.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.out()).toContain('[dev-cluster] stopped');
    await until('every child gone', () => children.every((pid) => !running(pid)), 10_000, () => children.filter(running).join(','));
    for (let i = 0; i < 3; i++) expect(await portFree(base + i)).toBe(true);
  }, 240_000);
});
