/**
 * Runnel against the shared reference ceiling (../shared/tools/mem-broker.mjs: a Node broker that keeps
 * produced batches in memory and serves them back, no disk, validation or indexes) with the same
 * clients in the same run: issue 17's table, for 1 and for 16 partitions, acks=1. Figures are printed,
 * never asserted.
 *
 *   npm run bench:ceiling        (npx tsx bench/ceiling.ts)
 *
 * Figures (BENCH_CASES, comma-separated, default all):
 *   produce-1k    kcat -P of 300k lines of 1 KiB from a file (-X acks=1), the whole kcat run timed
 *   produce-100b  the same with 3M lines of 100 B
 *   consume       kcat -C -o beginning -e of what produce-1k wrote (-X fetch.wait.max.ms=5, so that the
 *                 final empty fetch that tells kcat it is at the end does not wait 500 ms on both; no -q,
 *                 so that kcat's end-of-partition lines give the offsets it read to, which are checked)
 *   latency       end-to-end p99, 1 KiB records at 5 MB/s, confluent-kafka producer (linger.ms=0) and
 *                 consumer in one process (bench/clients/confluent_latency.py), receive - send
 *   produce-java  the 1 KiB lines again, with kcat configured as the Java producer is by default
 *                 (Kafka 3.x/4.x: idempotent, acks=all, batch.size 16384, linger.ms 5, 5 requests in
 *                 flight): the request shape of the issue's Java producer perf test (many small
 *                 idempotent batches), which stands in for it
 * The Java producer perf test itself would be another figure; this machine has a JVM but no Kafka
 * Java client (kafka-clients, kafka-producer-perf-test), so it is listed as skipped.
 *
 * Each round starts both servers afresh (Runnel with a new data directory), warms each up with 20k
 * records, creates the topics (kcat -L; Runnel auto-creates them with num.partitions), then runs every
 * figure on both, the ceiling first in even rounds and Runnel first in odd ones, so that neither always
 * meets a cooler machine. The table shows the median of the rounds. The throughput ratio is ceiling
 * time / Runnel time, the latency ratio Runnel p99 / ceiling p99. "srv CPU" is the CPU time (user +
 * system, every thread) each server used during the figure's client run (median): on a loaded
 * 2-core machine it says what the work cost each server when wall time says mostly what else ran.
 * The ceiling is not free on produce: it copies each request into new memory that it keeps (a CPU
 * profile of it under kcat: ~70 % of its busy time in Buffer.concat, and about as much system time
 * as user time, page faults on that memory), so on a loaded machine it can be slower than Runnel.
 *
 * Runnel runs as `node bin/runnel.js start` from the bundle (dist/runnel.mjs, rebuilt first with
 * `npm run bundle`; bin/runnel.js falls back to tsx when the bundle is older than src/, which the
 * header says), console off, metrics on an ephemeral port, log.dirs in a temp directory.
 *
 * Environment:
 *   BENCH_REPEAT (3)            rounds; the median is shown
 *   BENCH_PARTITIONS (1,16)     partition counts to run, comma-separated
 *   BENCH_CASES                 see above
 *   BENCH_RECORDS_1K (300000), BENCH_RECORDS_100B (3000000)
 *   BENCH_LAT_MBPS (5), BENCH_LAT_SECONDS (10)
 *   BENCH_CEILING               mem-broker.mjs to run (default ../shared/tools/mem-broker.mjs beside this checkout)
 *   BENCH_RUNNEL_ROOT           another checkout to run Runnel from (to measure a change; it needs
 *                               node_modules, a symlink will do, and generated codecs for the bundle)
 *   BENCH_BUNDLE=0              do not rebuild the bundle first
 *   BENCH_DIR                   parent of the work directory (default the OS tmpdir)
 *   BENCH_VERBOSE=1             print every run
 *   BENCH_KEEP=1                keep the work directory (logs, input files)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { cpuSeconds, median, printTable, startServer, stopServer, type Server } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const repeat = Math.max(1, Number(env.BENCH_REPEAT ?? 3));
const partitionCounts = (env.BENCH_PARTITIONS ?? '1,16').split(',').map(Number);
const cases = new Set((env.BENCH_CASES ?? 'produce-1k,produce-100b,consume,produce-java,latency').split(','));
const records1k = Number(env.BENCH_RECORDS_1K ?? 300_000);
const records100 = Number(env.BENCH_RECORDS_100B ?? 3_000_000);
const latMBps = Number(env.BENCH_LAT_MBPS ?? 5);
const latSeconds = Number(env.BENCH_LAT_SECONDS ?? 10);
const latRate = Math.round((latMBps * 1e6) / 1024);
const runnelRoot = resolve(env.BENCH_RUNNEL_ROOT ?? root);
const ceilingPath = resolve(env.BENCH_CEILING ?? join(root, '..', 'shared/tools/mem-broker.mjs'));
const verbose = env.BENCH_VERBOSE === '1';
const PYTHON = '/usr/bin/python3';
const CLIENT_TIMEOUT_MS = 300_000;
const WARM_RECORDS = 20_000;

type Target = 'ceiling' | 'runnel';
const TARGETS: Target[] = ['ceiling', 'runnel'];

if (!existsSync(ceilingPath)) throw new Error(`no reference ceiling at ${ceilingPath} (set BENCH_CEILING)`);
const work = await mkdtemp(join(env.BENCH_DIR ?? tmpdir(), 'runnel-ceiling-bench-'));
const children = new Set<ChildProcess>();

// Interrupted (Ctrl-C, `timeout`): take the children down too, so no server outlives the bench.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

/** A file of `n` newline-terminated lines of `size` bytes each: kcat -P makes a record of each line. */
function writeLines(path: string, n: number, size: number): void {
  const perChunk = 1000;
  const chunk = Buffer.alloc(perChunk * (size + 1), 'abcdefghijklmnopqrstuvwxyz0123456789');
  for (let i = 0; i < perChunk; i++) chunk[i * (size + 1) + size] = 0x0a;
  const fd = openSync(path, 'w');
  for (let done = 0; done < n; done += perChunk) writeSync(fd, chunk, 0, Math.min(perChunk, n - done) * (size + 1));
  closeSync(fd);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

interface Run {
  seconds: number;
  serverCpu: number;
  stdout: string;
  stderr: string;
}

/** Runs a client to completion with stdin from `input` (or nothing) and times it, with the server's CPU time meanwhile. */
async function run(label: string, cmd: string, args: string[], server: Server, opts: { input?: string; keepStdout?: boolean } = {}): Promise<Run> {
  const stdin = opts.input ? openSync(opts.input, 'r') : 'ignore';
  const cpu0 = cpuSeconds(server.child.pid!);
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: root, stdio: [stdin, opts.keepStdout ? 'pipe' : 'ignore', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
  const code = await new Promise<number | null>((res) => child.once('close', res));
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  children.delete(child);
  if (typeof stdin === 'number') closeSync(stdin);
  const serverCpu = cpuSeconds(server.child.pid!) - cpu0;
  if (code !== 0) throw new Error(`${label} on ${server.name} exited with ${code}: ${cmd} ${args.join(' ')}\n${stderr.slice(-2000)}${stdout.slice(-2000)}`);
  return { seconds, serverCpu, stdout, stderr };
}

const kcat = (s: Server, ...args: string[]): string[] => ['-b', s.bootstrap, ...args];

/** kcat prints "Reached end of topic T [p] at offset N" per partition at the end (-e without -q): their sum. */
function endOffsets(stderr: string): number {
  let sum = 0;
  for (const m of stderr.matchAll(/Reached end of topic \S+ \[\d+\] at offset (\d+)/g)) sum += Number(m[1]);
  return sum;
}

/** How many records the topic holds (its end offsets, read with kcat from the end: untimed). */
async function countRecords(s: Server, topic: string): Promise<number> {
  return endOffsets((await run('count', 'kcat', kcat(s, '-C', '-t', topic, '-o', 'end', '-e', '-X', 'fetch.wait.max.ms=5'), s)).stderr);
}

/** librdkafka set as the Java producer's defaults (ProducerConfig in Kafka 3.x/4.x). */
const JAVA_PRODUCER_DEFAULTS = ['-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'batch.size=16384', '-X', 'linger.ms=5', '-X', 'max.in.flight.requests.per.connection=5'];

async function produce(label: string, s: Server, topic: string, input: string, expected: number, config = ['-X', 'acks=1']): Promise<Run> {
  const r = await run(label, 'kcat', kcat(s, '-P', '-t', topic, ...config), s, { input });
  if (/fail|error/i.test(r.stderr)) throw new Error(`${label} on ${s.name}: ${r.stderr.slice(0, 2000)}`);
  const n = await countRecords(s, topic);
  if (n !== expected) throw new Error(`${label} on ${s.name}: the topic holds ${n} records, not ${expected}`);
  return r;
}

function startCeiling(port: number, partitions: number, round: number): Promise<Server> {
  return startServer({
    name: 'ceiling',
    cmd: process.execPath,
    args: [ceilingPath, String(port), String(partitions)],
    cwd: dirname(ceilingPath),
    logPath: join(work, `ceiling-p${partitions}-r${round}.log`),
    ready: (line) => (line.startsWith('memory broker on ') ? `127.0.0.1:${port}` : undefined),
  });
}

function startRunnel(port: number, partitions: number, round: number): Promise<Server> {
  return startServer({
    name: 'runnel',
    cmd: process.execPath,
    args: [
      join(runnelRoot, 'bin/runnel.js'), 'start',
      '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`,
      '--override', `log.dirs=${join(work, `runnel-data-p${partitions}-r${round}`)}`,
      '--override', `num.partitions=${partitions}`,
      '--override', 'runnel.console.enable=false',
      '--override', 'runnel.metrics.port=0',
    ],
    cwd: runnelRoot,
    env: { ...env, RUNNEL_LOG_LEVEL: 'info' },
    logPath: join(work, `runnel-p${partitions}-r${round}.log`),
    ready: (line) => {
      try {
        const j = JSON.parse(line);
        return j.msg === 'Runnel started' ? j.advertised : undefined;
      } catch {
        return undefined;
      }
    },
  });
}

interface Sample {
  value: number; // seconds, or p99 ms for latency
  serverCpu: number;
  p50?: number; // latency only
  rate?: number; // latency only: the rate the producer reached, records/s
}
type Samples = Record<string, Record<Target, Sample[]>>; // figure key -> target -> one per round

const FIGURES = [
  { key: 'produce-1k', title: `kcat produce ${records1k / 1000}k x 1 KiB`, kind: 'time', goal: 0.85 },
  { key: 'produce-100b', title: `kcat produce ${records100 / 1e6}M x 100 B`, kind: 'time', goal: 0.85 },
  { key: 'consume', title: `kcat consume ${Math.round((records1k * 1024) / 1e6)} MB from the beginning`, kind: 'time', goal: 0.9 },
  { key: 'produce-java', title: `kcat produce ${records1k / 1000}k x 1 KiB, Java producer defaults`, kind: 'time', goal: 0.9 },
  { key: 'latency', title: `e2e p99, 1 KiB at ${latMBps} MB/s (confluent-kafka)`, kind: 'latency', goal: 1.2 },
] as const;

/** One round at one partition count: both servers fresh, every figure on both, in `order`. */
async function round(partitions: number, i: number, input1k: string, input100: string, warm: string, samples: Samples): Promise<void> {
  const order: Target[] = i % 2 === 0 ? ['ceiling', 'runnel'] : ['runnel', 'ceiling'];
  const servers = {} as Record<Target, Server>;
  try {
    servers.ceiling = await startCeiling(await freePort(), partitions, i);
    children.add(servers.ceiling.child);
    servers.runnel = await startRunnel(await freePort(), partitions, i);
    children.add(servers.runnel.child);
    const topics = { '1k': `bench-1k-${i}`, '100b': `bench-100b-${i}`, java: `bench-java-${i}`, lat: `bench-latency-${i}` };
    for (const t of order) {
      const s = servers[t];
      await run('create topics', 'kcat', kcat(s, '-L', '-t', 'warm'), s);
      await produce('warm-up', s, 'warm', warm, WARM_RECORDS);
      for (const topic of Object.values(topics)) await run('create topics', 'kcat', kcat(s, '-L', '-t', topic), s);
    }
    const add = (key: string, t: Target, sample: Sample): void => {
      samples[key] ??= { ceiling: [], runnel: [] };
      samples[key][t].push(sample);
      if (verbose) console.log(`  ${partitions}p round ${i + 1} ${key} ${t}: ${sample.value.toFixed(3)} (srv CPU ${sample.serverCpu.toFixed(2)} s)${sample.p50 !== undefined ? ` p50 ${sample.p50.toFixed(2)} ms at ${Math.round(sample.rate!)} rec/s` : ''}`);
    };
    const k = (key: string): string => `${partitions}:${key}`;

    const want1k = cases.has('produce-1k') || cases.has('consume');
    if (want1k) {
      for (const t of order) {
        const r = await produce('produce-1k', servers[t], topics['1k'], input1k, records1k);
        if (cases.has('produce-1k')) add(k('produce-1k'), t, { value: r.seconds, serverCpu: r.serverCpu });
      }
    }
    if (cases.has('consume')) {
      for (const t of order) {
        const s = servers[t];
        const r = await run('consume', 'kcat', kcat(s, '-C', '-t', topics['1k'], '-o', 'beginning', '-e', '-X', 'fetch.wait.max.ms=5'), s);
        const n = endOffsets(r.stderr);
        if (n !== records1k) throw new Error(`consume on ${t}: read to offsets summing ${n}, not ${records1k}\n${r.stderr.slice(0, 2000)}`);
        add(k('consume'), t, { value: r.seconds, serverCpu: r.serverCpu });
      }
    }
    if (cases.has('produce-java')) {
      for (const t of order) {
        const r = await produce('produce-java', servers[t], topics.java, input1k, records1k, JAVA_PRODUCER_DEFAULTS);
        add(k('produce-java'), t, { value: r.seconds, serverCpu: r.serverCpu });
      }
    }
    if (cases.has('produce-100b')) {
      for (const t of order) {
        const r = await produce('produce-100b', servers[t], topics['100b'], input100, records100);
        add(k('produce-100b'), t, { value: r.seconds, serverCpu: r.serverCpu });
      }
    }
    if (cases.has('latency')) {
      for (const t of order) {
        const s = servers[t];
        const script = join(root, 'bench/clients/confluent_latency.py');
        const r = await run('latency', PYTHON, [script, s.bootstrap, topics.lat, String(latRate), String(latSeconds), '1024'], s, { keepStdout: true });
        const line = r.stdout.trim().split('\n').pop() ?? '';
        let j: { sent: number; received: number; rateActual: number; p50: number; p99: number; error?: string };
        try {
          j = JSON.parse(line);
        } catch {
          throw new Error(`latency on ${t}: no result line\n${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`);
        }
        if (j.error || j.received !== j.sent) throw new Error(`latency on ${t}: ${line}`);
        add(k('latency'), t, { value: j.p99, serverCpu: r.serverCpu, p50: j.p50, rate: j.rateActual });
      }
    }
  } finally {
    for (const s of Object.values(servers)) {
      await stopServer(s);
      children.delete(s.child);
      s.log.end();
    }
    await rm(join(work, `runnel-data-p${partitions}-r${i}`), { recursive: true, force: true });
  }
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(', ');
const started = performance.now();
const samples: Samples = {};
try {
  if (env.BENCH_BUNDLE !== '0') execFileSync('npm', ['run', 'bundle', '--silent'], { cwd: runnelRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const bundle = join(runnelRoot, 'dist/runnel.mjs');
  const fromBundle = existsSync(bundle) && statSync(bundle).mtimeMs >= newestMtime(join(runnelRoot, 'src'));
  console.log(
    `Runnel (${runnelRoot}, ${fromBundle ? 'dist/runnel.mjs' : 'TypeScript through tsx: the bundle is missing or older than src/'}) ` +
      `against the ceiling ${ceilingPath}; acks=1, median of ${repeat} rounds, alternating.`,
  );
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${load()} at the start; work directory ${work}`);

  const input1k = join(work, 'lines-1k');
  const input100 = join(work, 'lines-100b');
  const warm = join(work, 'lines-warm');
  if (cases.has('produce-1k') || cases.has('consume') || cases.has('produce-java')) writeLines(input1k, records1k, 1024);
  if (cases.has('produce-100b')) writeLines(input100, records100, 100);
  writeLines(warm, WARM_RECORDS, 1024);

  for (const p of partitionCounts) {
    for (let i = 0; i < repeat; i++) {
      await round(p, i, input1k, input100, warm, samples);
      console.log(`  ${p} partition(s), round ${i + 1}/${repeat} done, load average ${load()}`);
    }
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
}

const fmt = (x: number, kind: string): string => (kind === 'time' ? `${x.toFixed(2)} s` : `${x.toFixed(2)} ms`);
const header = ['partitions', 'figure', 'ceiling', 'Runnel', 'Runnel/ceiling', 'goal', 'met', 'srv CPU ceiling', 'srv CPU Runnel', 'note'];
const rows: string[][] = [];
for (const p of partitionCounts) {
  for (const f of FIGURES) {
    const s = samples[`${p}:${f.key}`];
    if (!s) continue;
    const c = median(s.ceiling.map((x) => x.value));
    const r = median(s.runnel.map((x) => x.value));
    const ratio = f.kind === 'time' ? c / r : r / c;
    const met = f.kind === 'time' ? ratio >= f.goal : ratio <= f.goal;
    const p50 = (t: Target): string => median(s[t].map((x) => x.p50!)).toFixed(2);
    const slowest = Math.round(Math.min(...[...s.ceiling, ...s.runnel].map((x) => x.rate!)));
    rows.push([
      String(p),
      f.title,
      fmt(c, f.kind),
      fmt(r, f.kind),
      f.kind === 'time' ? ratio.toFixed(2) : `${ratio.toFixed(2)}x`,
      f.kind === 'time' ? `>= ${f.goal.toFixed(2)}` : `<= ${f.goal}x`,
      met ? 'yes' : 'no',
      `${median(s.ceiling.map((x) => x.serverCpu)).toFixed(2)} s`,
      `${median(s.runnel.map((x) => x.serverCpu)).toFixed(2)} s`,
      f.kind === 'latency' ? `p50 ${p50('ceiling')} / ${p50('runnel')} ms; ${latRate} rec/s asked, >= ${slowest} reached` : '',
    ]);
  }
  rows.push([String(p), 'Java producer perf test, 300k x 1 KiB', '—', '—', '—', '>= 0.90', '—', '—', '—', 'skipped: a JVM but no Kafka Java client (kafka-clients, kafka-producer-perf-test) here; see the row above']);
}
console.log();
printTable(header, rows, (i) => i >= 2 && i <= 8);
console.log(
  `\nThroughput ratio: ceiling time / Runnel time; latency ratio: Runnel p99 / ceiling p99. Printed, not asserted.\n` +
    `Total ${((performance.now() - started) / 1000).toFixed(0)} s, load average ${load()} at the end (other work on the machine skews every figure).`,
);
if (env.BENCH_KEEP === '1') console.log(`Kept ${work}.`);
else await rm(work, { recursive: true, force: true });
