/**
 * What replication costs: acks=all with replication factor 3 on a three-broker cluster (a real etcd,
 * brokers as separate processes: test/helpers/cluster.ts) against acks=1 on a single node, in the
 * same run, with the same client (confluent-kafka via /usr/bin/python3, bench/clients/confluent_acks.py)
 * and the same topic shape (BENCH_PARTITIONS partitions, auto-created; in the cluster their leaders
 * spread over the three brokers and min.insync.replicas is 2). Both targets are up for the whole
 * run and the runs alternate (single, cluster, single, ...), so that the machine's load falls on
 * both alike. Figures are printed, never asserted.
 *
 *   npx tsx bench/cluster.ts [records, default 100000] [record bytes, default 1024]
 *
 * Per run: produce throughput (records as fast as the client goes, linger.ms=5) and the
 * acknowledgement latency of BENCH_LAT_RATE records/s for BENCH_LAT_SECONDS with linger.ms=0
 * (produce() to delivery report: for acks=all, until every in-sync replica has the record).
 *
 * Environment: BENCH_PARTITIONS (3), BENCH_REPEAT (3; the median of the runs is shown), BENCH_LAT_RATE
 * (200), BENCH_LAT_SECONDS (5), BENCH_VERBOSE=1 (every run).
 *
 * The latency rate is low on purpose: with linger.ms=0 each record is a Produce request of its
 * own, a connection's requests are handled one at a time (as in Kafka), and an acks=all request
 * takes a replication round (the followers' fetch of the record, then their next fetch reporting
 * it), a few ms on a loaded 2-core machine. Beyond about 1 / round trip requests per second per
 * leader the client's queue grows and the "latency" becomes queueing time (seconds at 1,000/s here).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrokerProcess, startCluster, type TestCluster } from '../test/helpers/cluster.js';
import { freePort } from '../test/helpers/ports.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const records = Number(process.argv[2] ?? 100_000);
const size = Number(process.argv[3] ?? 1024);
const partitions = Number(env.BENCH_PARTITIONS ?? 3);
const repeat = Math.max(1, Number(env.BENCH_REPEAT ?? 3));
const latRate = Number(env.BENCH_LAT_RATE ?? 200);
const latSeconds = Number(env.BENCH_LAT_SECONDS ?? 5);
const python = env.RUNNEL_COMPAT_PYTHON ?? '/usr/bin/python3';

interface RunResult {
  leaders: number[];
  recordsPerSec: number;
  mbPerSec: number;
  latency: { n: number; p50: number; p99: number; max: number };
  failed: number;
  firstError: string | null;
  error?: string;
}

function client(bootstrap: string, topic: string, acks: string): Promise<RunResult> {
  const script = join(root, 'bench/clients/confluent_acks.py');
  const args = [script, bootstrap, topic, acks, String(records), String(size), String(latRate), String(latSeconds)];
  return new Promise((resolve, reject) => {
    execFile(python, args, { timeout: 600_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as RunResult;
        if (r.error) reject(new Error(r.error));
        else resolve(r);
      } catch {
        reject(new Error(`${python} ${args.join(' ')}: ${err?.message ?? ''}\n${stderr}${stdout}`));
      }
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, d = 1): string => n.toFixed(d);

const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-single-'));
const port = await freePort();
const single = new BrokerProcess(1, port, dir, {
  'node.id': '1',
  listeners: `PLAINTEXT://127.0.0.1:${port}`,
  'log.dirs': dir,
  'runnel.metrics.port': String(await freePort()),
  'auto.create.topics.enable': 'true',
  'num.partitions': String(partitions),
});
let cluster: TestCluster | undefined;
try {
  await single.start();
  cluster = await startCluster({
    brokers: 3,
    config: { 'auto.create.topics.enable': 'true', 'default.replication.factor': '3', 'num.partitions': String(partitions), 'min.insync.replicas': '2' },
  });
  console.log(
    `bench/cluster: ${records} records of ${size} B, ${partitions} partitions; latency at ${latRate} records/s for ${latSeconds} s; ` +
      `${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );
  const cases = [
    { name: 'single node, acks=1', bootstrap: single.bootstrap, acks: '1', tag: 'single' },
    { name: '3 brokers, RF 3, acks=all', bootstrap: cluster.brokers[0].bootstrap, acks: 'all', tag: 'cluster' },
  ];
  const runs = new Map<string, RunResult[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < repeat; r++) {
    for (const c of cases) {
      const res = await client(c.bootstrap, `bench-${c.tag}-${r}`, c.acks);
      runs.get(c.name)!.push(res);
      if (res.failed > 0) console.log(`  ${c.name}: ${res.failed} records failed (${res.firstError})`);
      if (env.BENCH_VERBOSE === '1')
        console.log(`  run ${r + 1} ${c.name}: ${fmt(res.mbPerSec)} MB/s, p50 ${fmt(res.latency.p50, 2)} ms, p99 ${fmt(res.latency.p99, 2)} ms (leaders ${res.leaders})`);
    }
  }
  const rows = cases.map((c) => {
    const rs = runs.get(c.name)!;
    return {
      name: c.name,
      leaders: rs[0].leaders.join(','),
      rps: median(rs.map((x) => x.recordsPerSec)),
      mb: median(rs.map((x) => x.mbPerSec)),
      p50: median(rs.map((x) => x.latency.p50)),
      p99: median(rs.map((x) => x.latency.p99)),
    };
  });
  console.log(`\n${'case'.padEnd(28)} ${'leaders'.padEnd(8)} ${'records/s'.padStart(10)} ${'MB/s'.padStart(8)} ${'ack p50 ms'.padStart(11)} ${'ack p99 ms'.padStart(11)}`);
  for (const x of rows)
    console.log(`${x.name.padEnd(28)} ${x.leaders.padEnd(8)} ${fmt(x.rps, 0).padStart(10)} ${fmt(x.mb).padStart(8)} ${fmt(x.p50, 2).padStart(11)} ${fmt(x.p99, 2).padStart(11)}`);
  const [s, c] = rows;
  console.log(`\ncluster/single: throughput ${fmt((100 * c.mb) / s.mb, 0)} %, ack latency p50 ${fmt(c.p50 / s.p50)}x, p99 ${fmt(c.p99 / s.p99)}x (medians of ${repeat} runs)`);
} finally {
  await single.kill9();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
}
