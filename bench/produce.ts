/**
 * Client-level throughput and latency of Runnel beside the sink (bench/sink.ts: the same framing and
 * codecs with no storage, i.e. the ceiling on this machine). Runnel and the sink each run as a child
 * process (`node --import tsx`, which is what `npx tsx` runs, minus the npx and tsx wrapper
 * processes), so neither shares an event loop with the load generators, which are child processes
 * too. Figures are printed, never asserted.
 *
 *   npx tsx bench/produce.ts [records, default 500000] [record bytes, default 1024]
 *
 * Cases (BENCH_CASES, comma-separated, default all):
 *   cf-produce   confluent-kafka (librdkafka) Producer, linger.ms=5, batch.size=1000000, acks=1
 *   kjs-produce  kafkajs producer.send() of BENCH_KJS_BATCH messages, acks=1, BENCH_KJS_INFLIGHT in flight
 *   cf-rate      confluent-kafka Producer paced at BENCH_LAT_RATE records/s for BENCH_RATE_SECONDS (5),
 *                linger.ms=0: about one record per Produce request, so the server CPU per request
 *                (Runnel's against the sink's) is the per-request overhead
 *   cf-consume   confluent-kafka Consumer, assign() from the beginning, reads what cf-produce wrote
 *   cf-latency   confluent-kafka producer (linger.ms=0) + consumer (fetch.wait.max.ms=5) in one
 *                process, BENCH_LAT_RATE records/s for BENCH_LAT_SECONDS, receive - send
 * Consume and latency need Fetch, which the sink does not serve: Runnel only.
 *
 * Environment:
 *   BENCH_KJS_RECORDS (default records/5), BENCH_KJS_BATCH (1000), BENCH_KJS_INFLIGHT (4)
 *   BENCH_PARTITIONS (1), BENCH_REPEAT (3; the median run is shown), BENCH_VERBOSE=1 (every run)
 *   BENCH_LAT_RATE (2000), BENCH_LAT_SECONDS (10), BENCH_RATE_SECONDS (5)
 *   BENCH_TARGETS (runnel,sink), BENCH_DIR (parent of the data directory; default the OS tmpdir)
 *   BENCH_RUNNEL_ROOT  another checkout to run the broker from (to measure a change against this
 *                      tree; it needs node_modules, a symlink will do)
 *   BENCH_NODE_FLAGS   extra node flags for both servers (e.g. --trace-gc; output in the kept logs)
 *   BENCH_PROFILE=dir  --cpu-prof for both servers into dir/{runnel,sink}; summarise the main
 *                      thread's file (CPU.*.0.001.cpuprofile; the other is tsx's loader thread) with
 *                      `npx tsx bench/cpuprofile-top.ts FILE`. Wall-clock samples of the JS thread.
 *   BENCH_PERF=dir     `perf record -e cpu-clock -g` of both servers (every thread, user + kernel)
 *                      into dir/{runnel,sink}.perf.data, JS frames named by --perf-basic-prof-only-
 *                      functions; summarise with `/usr/bin/python3 bench/perf-summary.py FILE`.
 *   BENCH_KEEP=1       keep the logs and data directory
 *
 * "srv CPU" is the CPU time (user + system, all threads) the server process used during the client
 * run, per GB of record values produced (warm-up included), from /proc/<pid>/stat: when both targets
 * saturate the client, throughput ratios say little and this says what each byte costs the server.
 * "sink/Runnel CPU" turns it into the ratio a server-bound run would show.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, median, printTable, startServer, stopServer, type Server } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const records = Number(process.argv[2] ?? env.BENCH_RECORDS ?? 500_000);
const size = Number(process.argv[3] ?? env.BENCH_SIZE ?? 1024);
const kjsRecords = Number(env.BENCH_KJS_RECORDS ?? Math.round(records / 5));
const kjsBatch = Number(env.BENCH_KJS_BATCH ?? 1000);
const kjsInflight = Number(env.BENCH_KJS_INFLIGHT ?? 4);
const partitions = Number(env.BENCH_PARTITIONS ?? 1);
const repeat = Math.max(1, Number(env.BENCH_REPEAT ?? 3));
const latRate = Number(env.BENCH_LAT_RATE ?? 2000);
const latSeconds = Number(env.BENCH_LAT_SECONDS ?? 10);
const rateSeconds = Number(env.BENCH_RATE_SECONDS ?? 5);
const cases = new Set((env.BENCH_CASES ?? 'cf-produce,kjs-produce,cf-rate,cf-consume,cf-latency').split(','));
const targets = new Set((env.BENCH_TARGETS ?? 'runnel,sink').split(','));
const profileDir = env.BENCH_PROFILE;
const verbose = env.BENCH_VERBOSE === '1';
const runnelRoot = env.BENCH_RUNNEL_ROOT ?? root;
const PYTHON = '/usr/bin/python3';
const CLIENT_TIMEOUT_MS = 120_000;

type Json = Record<string, any>;

const work = await mkdtemp(join(env.BENCH_DIR ?? tmpdir(), 'runnel-produce-bench-'));
const logPath = join(work, 'bench.log');
const log = createWriteStream(logPath);

/** Spawns `node --import tsx <args>` and resolves with the bootstrap address parsed from its output. */
function startNodeServer(name: 'runnel' | 'sink', nodeFlags: string[], args: string[], ready: (line: string) => string | undefined): Promise<Server> {
  return startServer({
    name,
    cmd: process.execPath,
    args: ['--import', 'tsx', ...nodeFlags, ...args],
    cwd: name === 'runnel' ? runnelRoot : root,
    env: { ...env, RUNNEL_LOG_LEVEL: 'info' },
    logPath: join(work, `${name}.log`),
    ready,
  });
}

const perfDir = env.BENCH_PERF;
const extraNodeFlags = (env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const profFlags = (name: string): string[] => [
  ...extraNodeFlags,
  ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []),
  ...(perfDir ? ['--perf-basic-prof-only-functions'] : []),
];
const perfs: ChildProcess[] = [];

/** BENCH_PERF=<dir>: samples the server (every thread, user and kernel) with perf for the whole run. */
function perfRecord(s: Server): void {
  if (!perfDir) return;
  const p = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(s.child.pid), '-o', join(perfDir, `${s.name}.perf.data`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.pipe(createWriteStream(join(work, `perf-${s.name}.log`)));
  perfs.push(p);
}

function startRunnel(): Promise<Server> {
  const flags = profFlags('runnel');
  return startNodeServer(
    'runnel',
    flags,
    [
      'src/cli/main.ts', 'start',
      '--override', 'listeners=PLAINTEXT://127.0.0.1:0',
      '--override', `log.dirs=${join(work, 'runnel-data')}`,
      '--override', `num.partitions=${partitions}`,
      '--override', 'runnel.metrics.port=0',
    ],
    (line) => {
      try {
        const j = JSON.parse(line);
        return j.msg === 'Runnel started' ? j.advertised : undefined;
      } catch {
        return undefined;
      }
    },
  );
}

function startSinkChild(): Promise<Server> {
  return startNodeServer('sink', profFlags('sink'), ['bench/sink.ts', '--port', '0', '--partitions', String(partitions)], (line) => /^sink listening on (\S+)$/.exec(line)?.[1]);
}

/** Runs a load generator to completion and returns its last JSON line, plus the server's CPU time meanwhile. */
async function client(label: string, cmd: string, args: string[], server: Server): Promise<Json> {
  const cpu0 = cpuSeconds(server.child.pid!);
  const child = spawn(cmd, args, { cwd: root, env: { ...env, KAFKAJS_NO_PARTITIONER_WARNING: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('close', () => running.delete(child));
  log.write(`--- ${label}: ${cmd} ${args.join(' ')}\n`);
  child.stderr!.on('data', (d: Buffer) => log.write(d));
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  const serverCpu = cpuSeconds(server.child.pid!) - cpu0;
  log.write(stdout);
  const line = stdout.split('\n').reverse().find((l) => l.startsWith('{') && !l.includes('"level"'));
  const res = line ? (JSON.parse(line) as Json) : {};
  if (code !== 0 || !line || res.error) throw new Error(`${label} failed (exit ${code}${res.error ? `: ${res.error}` : ''}); see ${logPath}`);
  res.serverCpu = serverCpu;
  if (verbose) console.log(`  ${label} on ${server.name}: ${JSON.stringify(res)}`);
  return res;
}

let topicSeq = 0;
const topicName = (c: string): string => `bench-${c.replace(/[^a-zA-Z0-9]+/g, '-')}-${process.pid}-${++topicSeq}`;

interface Row {
  client: string;
  case: string;
  unit: string;
  runnel?: number;
  sink?: number;
  runnelCpuPerGB?: number;
  sinkCpuPerGB?: number;
  note?: string;
}

const rows: Row[] = [];
const servers: Partial<Record<'runnel' | 'sink', Server>> = {};
let cfTopic: string | undefined;
let cfProduced = 0;

async function produceCase(clientName: string, caseName: string, run: (s: Server, topic: string) => Promise<Json>): Promise<void> {
  const mbps: Record<string, number[]> = { runnel: [], sink: [] };
  const rps: Record<string, number[]> = { runnel: [], sink: [] };
  const cpu: Record<string, number[]> = { runnel: [], sink: [] };
  for (let i = 0; i < repeat; i++) {
    // Alternate which target goes first so that neither always meets a cooler machine.
    const order = (['runnel', 'sink'] as const).filter((t) => targets.has(t));
    if (i % 2 === 1) order.reverse();
    for (const t of order) {
      const s = servers[t]!;
      const topic = topicName(caseName);
      const r = await run(s, topic);
      if (r.failed) throw new Error(`${clientName} ${caseName} on ${t}: ${r.failed} records failed`);
      mbps[t].push(r.mbPerSec);
      rps[t].push(r.recordsPerSec);
      cpu[t].push(r.serverCpu / (r.bytesTotal / 1e9));
      if (t === 'runnel' && clientName === 'confluent-kafka') {
        cfTopic ??= topic; // the first Runnel topic is read back by cf-consume
        if (cfTopic === topic) cfProduced = r.recordsTotal;
      }
    }
  }
  const get = (t: string, xs: Record<string, number[]>): number | undefined => (xs[t].length ? median(xs[t]) : undefined);
  rows.push({ client: clientName, case: `${caseName} MB/s`, unit: 'MB/s', runnel: get('runnel', mbps), sink: get('sink', mbps), runnelCpuPerGB: get('runnel', cpu), sinkCpuPerGB: get('sink', cpu) });
  rows.push({ client: clientName, case: `${caseName} rec/s`, unit: 'rec/s', runnel: get('runnel', rps), sink: get('sink', rps) });
}

// Interrupted (Ctrl-C, `timeout`): take the children down too, so no server outlives the bench.
const running = new Set<ChildProcess>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of [...running, ...perfs, ...Object.values(servers).map((s) => s.child)]) c.kill('SIGKILL');
    process.exit(130);
  });
}

const started = performance.now();
try {
  console.log(
    `Runnel vs sink: ${records} × ${size} B records (kafkajs ${kjsRecords}), ${partitions} partition(s), median of ${repeat}; ` +
      `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${loadavg()[0].toFixed(1)}; logs in ${work}`,
  );
  if (targets.has('runnel')) servers.runnel = await startRunnel();
  if (targets.has('sink')) servers.sink = await startSinkChild();
  for (const s of Object.values(servers)) perfRecord(s);

  if (cases.has('cf-produce')) {
    const warm = Math.min(50_000, Math.round(records / 10));
    await produceCase('confluent-kafka', 'produce acks=1', async (s, topic) => {
      const r = await client('cf-produce', PYTHON, [join(root, 'bench/clients/confluent_produce.py'), s.bootstrap, topic, String(records), String(size), String(warm)], s);
      return { ...r, recordsTotal: records + warm, bytesTotal: (records + warm) * size };
    });
  }
  if (cases.has('kjs-produce')) {
    const warm = Math.min(20_000, Math.round(kjsRecords / 10));
    await produceCase('kafkajs', 'produce acks=1', async (s, topic) => {
      const r = await client(
        'kjs-produce',
        process.execPath,
        ['--import', 'tsx', 'bench/clients/kafkajs-produce.ts', s.bootstrap, topic, String(kjsRecords), String(size), String(kjsBatch), String(kjsInflight), String(warm)],
        s,
      );
      const total = kjsRecords + Math.max(warm, kjsBatch);
      return { ...r, recordsTotal: total, bytesTotal: total * size };
    });
  }
  if (cases.has('cf-rate')) {
    // Per-request cost: the same paced load on both servers, so compare what it costs them.
    const n = Math.round(latRate * rateSeconds);
    const cpu: Record<string, number[]> = { runnel: [], sink: [] };
    for (let i = 0; i < repeat; i++) {
      const order = (['runnel', 'sink'] as const).filter((t) => targets.has(t));
      if (i % 2 === 1) order.reverse();
      for (const t of order) {
        const s = servers[t]!;
        const r = await client('cf-rate', PYTHON, [join(root, 'bench/clients/confluent_produce.py'), s.bootstrap, topicName('rate'), String(n), String(size), '0', String(latRate)], s);
        if (r.failed) throw new Error(`cf-rate on ${t}: ${r.failed} records failed`);
        cpu[t].push((r.serverCpu * 1e6) / n); // µs per record ≈ per request (linger.ms=0)
      }
    }
    const get = (t: string): number | undefined => (cpu[t].length ? median(cpu[t]) : undefined);
    rows.push({ client: 'confluent-kafka', case: `srv CPU µs/request @${latRate}/s (lower=better)`, unit: 'µs', runnel: get('runnel'), sink: get('sink'), note: `${n} records, linger.ms=0, ~1 record per request` });
  }
  if (cases.has('cf-consume') && servers.runnel) {
    let topic = cfTopic;
    if (!topic) {
      // Nothing produced yet in this run: write the records first (not timed here).
      topic = topicName('consume');
      const r = await client('cf-produce (for consume)', PYTHON, [join(root, 'bench/clients/confluent_produce.py'), servers.runnel.bootstrap, topic, String(records), String(size), '0'], servers.runnel);
      cfProduced = r.records;
    }
    const mb: number[] = [];
    const rp: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const r = await client('cf-consume', PYTHON, [join(root, 'bench/clients/confluent_consume.py'), servers.runnel.bootstrap, topic, String(cfProduced)], servers.runnel);
      if (r.records !== cfProduced) throw new Error(`cf-consume read ${r.records} of ${cfProduced} records`);
      mb.push(r.mbPerSec);
      rp.push(r.recordsPerSec);
      cpu.push(r.serverCpu / ((cfProduced * size) / 1e9));
    }
    rows.push({ client: 'confluent-kafka', case: 'consume MB/s', unit: 'MB/s', runnel: median(mb), runnelCpuPerGB: median(cpu), note: `${cfProduced} records, all read back` });
    rows.push({ client: 'confluent-kafka', case: 'consume rec/s', unit: 'rec/s', runnel: median(rp) });
  }
  if (cases.has('cf-latency') && servers.runnel) {
    const r = await client('cf-latency', PYTHON, [join(root, 'bench/clients/confluent_latency.py'), servers.runnel.bootstrap, topicName('latency'), String(latRate), String(latSeconds), String(size)], servers.runnel);
    const note = `${r.received}/${r.sent} received at ${Math.round(r.rateActual)} rec/s`;
    rows.push({ client: 'confluent-kafka', case: `e2e latency p50 ms @${latRate}/s`, unit: 'ms', runnel: r.p50, note });
    rows.push({ client: 'confluent-kafka', case: `e2e latency p99 ms @${latRate}/s`, unit: 'ms', runnel: r.p99 });
    rows.push({ client: 'confluent-kafka', case: `e2e latency max ms @${latRate}/s`, unit: 'ms', runnel: r.max });
  }
} finally {
  for (const p of perfs) {
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGINT');
    await exited;
  }
  for (const s of Object.values(servers)) await stopServer(s);
  log.end();
}

const fmt = (x: number | undefined, unit = ''): string => {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (unit === 'ms') return x.toFixed(2);
  return x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
};
const header = ['client', 'case', 'Runnel', 'sink', 'Runnel/sink', 'srv CPU s/GB Runnel', 'sink', 'sink/Runnel CPU', 'note'];
const table = rows.map((r) => [
  r.client,
  r.case,
  fmt(r.runnel, r.unit),
  fmt(r.sink, r.unit),
  r.runnel !== undefined && r.sink !== undefined ? `${((r.runnel / r.sink) * 100).toFixed(0)} %` : '—',
  fmt(r.runnelCpuPerGB),
  fmt(r.sinkCpuPerGB),
  r.runnelCpuPerGB !== undefined && r.sinkCpuPerGB !== undefined ? `${((r.sinkCpuPerGB / r.runnelCpuPerGB) * 100).toFixed(0)} %` : '—',
  r.note ?? '',
]);
console.log();
printTable(header, table, (i) => i >= 2 && i <= 7);
const produceRows = rows.filter((r) => r.unit === 'MB/s' && r.sink !== undefined && r.runnel !== undefined);
if (produceRows.length) {
  const worst = produceRows.reduce((a, b) => (a.runnel! / a.sink! < b.runnel! / b.sink! ? a : b));
  console.log(`\nTarget: produce at ≥ 70 % of the sink. Worst: ${worst.client} ${worst.case.replace(' MB/s', '')} at ${((worst.runnel! / worst.sink!) * 100).toFixed(0)} %.`);
  console.log(
    'sink/Runnel CPU: the throughput ratio to expect when the server, not the client, is the bottleneck ' +
      '(the sink\'s CPU per GB over Runnel\'s); on a small shared machine the client usually is.',
  );
}
console.log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s, load average now ${loadavg()[0].toFixed(1)} (other work on the machine skews every figure).${profileDir ? ` CPU profiles in ${profileDir}/{runnel,sink}.` : ''}`);
if (!profileDir && !perfDir && env.BENCH_KEEP !== '1') await rm(work, { recursive: true, force: true });
else console.log(`Kept ${work}.`);
