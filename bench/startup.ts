/**
 * Start-up time of `runnel start` (bin/runnel.js, as users run it) with many partitions: from
 * spawning the process to the port accepting connections, and to every partition log being open
 * ("partition logs opened" in the log), after a clean shutdown and after kill -9 (killed once all
 * logs were open), median of `runs`; and how long a clean shutdown (SIGTERM) takes once every log is open. Also `runnel start --help` with the bundle and with tsx, and
 * the RSS once the logs are open. Figures are printed, never asserted.
 *   npx tsx bench/startup.ts [partitions=2000] [runs=3] [dir]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

const partitions = Number(process.argv[2] ?? 2000);
const runs = Number(process.argv[3] ?? 3);
const dir = await mkdtemp(join(process.argv[4] ?? tmpdir(), 'runnel-startup-'));
const port = 19_000 + Math.floor(Math.random() * 1000);
const bin = join(PACKAGE_ROOT, 'bin/runnel.js');

interface Started {
  child: ChildProcess;
  listeningMs: number;
  /** CPU time (user + system) the process had used when it first accepted: less noisy than wall time on a shared machine. */
  cpuMs: number;
  /** Resolves with ms from spawn when the log says every partition log is open. */
  allOpen: Promise<number>;
}

function accepts(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const TSX = ['--import', 'tsx', join(PACKAGE_ROOT, 'src/cli/main.ts')];

/** Brokers still running if the bench fails: killed on the way out. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

async function start(launcher = [bin]): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...launcher, 'start', '--override', `log.dirs=${dir}`, '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', 'runnel.console.enable=false', '--override', 'runnel.metrics.port=0', '--override', 'num.partitions=1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const allOpen = new Promise<number>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"partition logs opened"')) {
        resolve(performance.now() - t0);
        out = '';
      } else out = out.slice(-200);
    });
  });
  while (!(await accepts())) {
    if (child.exitCode !== null) throw new Error(`runnel exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const listeningMs = performance.now() - t0;
  return { child, listeningMs, cpuMs: await cpuMs(child.pid!), allOpen };
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks (USER_HZ 100)
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

// The data: topics of up to 100 partitions, one record in each topic's partition 0.
{
  const first = await start();
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, requestTimeout: 600_000 });
  const admin = kafka.admin();
  await admin.connect();
  const topics = Array.from({ length: Math.ceil(partitions / 100) }, (_, i) => ({ topic: `t${i}`, numPartitions: Math.min(100, partitions - i * 100) }));
  for (let i = 0; i < topics.length; i += 5) await admin.createTopics({ topics: topics.slice(i, i + 5), timeout: 600_000 });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.sendBatch({ topicMessages: topics.map((t) => ({ topic: t.topic, messages: [{ value: 'x', partition: 0 }] })) });
  await producer.disconnect();
  await stop(first.child, 'SIGTERM');
  console.log(`${partitions} partitions in ${topics.length} topics (+ the internal topics), ${runs} runs each`);
}

const clean = { listen: [] as number[], cpu: [] as number[], open: [] as number[] };
const crash = { listen: [] as number[], cpu: [] as number[], open: [] as number[] };
const shutdown: number[] = [];
let rss = 0;
for (let i = 0; i < runs; i++) {
  const c = await start();
  clean.listen.push(c.listeningMs);
  clean.cpu.push(c.cpuMs);
  clean.open.push(await c.allOpen);
  rss = Math.max(rss, await rssMiB(c.child.pid!));
  // kill -9 once everything is open: the next start recovers every partition from its recovery point.
  await stop(c.child, 'SIGKILL');
  const k = await start();
  crash.listen.push(k.listeningMs);
  crash.cpu.push(k.cpuMs);
  crash.open.push(await k.allOpen);
  const t0 = performance.now();
  await stop(k.child, 'SIGTERM');
  shutdown.push(performance.now() - t0);
}
const line = (r: typeof clean): string => `listening ${s(median(r.listen))} (CPU ${s(median(r.cpu))}), all logs open ${s(median(r.open))} (medians)`;
console.log(`after a clean shutdown: ${line(clean)}`);
console.log(`after kill -9:          ${line(crash)}`);
console.log(`clean shutdown (SIGTERM to exit, every log open): ${s(median(shutdown))} (median)`);
console.log(`RSS with every log open: ${rss.toFixed(0)} MiB (bin/runnel.js)`);
{
  // The same clean start through tsx, as bin/runnel.js runs it when the bundle is stale.
  const t = await start(TSX);
  const open = await t.allOpen;
  console.log(`through tsx: listening ${s(t.listeningMs)} (CPU ${s(t.cpuMs)}), all logs open ${s(open)}, RSS ${(await rssMiB(t.child.pid!)).toFixed(0)} MiB (one run)`);
  await stop(t.child, 'SIGTERM');
}

// The CLI alone: the bundle (what bin/runnel.js runs when it is current) against tsx.
const help = async (argv: string[]): Promise<number> => {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...argv, 'start', '--help'], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    xs.push(performance.now() - t0);
  }
  return median(xs);
};
console.log(`runnel start --help: bundle ${s(await help([join(PACKAGE_ROOT, 'dist/runnel.mjs')]))}, tsx ${s(await help(TSX))} (median)`);
await rm(dir, { recursive: true, force: true });
