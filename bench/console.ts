/**
 * The web console on a big partition and a busy one: builds an on-disk partition of N records
 * (appended through the log API, as Produce does after its checks), times the message browser's
 * API at an offset and at a timestamp in the middle (median of 5), then runs a live tail at its
 * highest rate (10,000 records/s) against a producer appending about `tailRate` records a second
 * and prints what the tail delivered and skipped. Figures are printed, never asserted.
 *   npx tsx bench/console.ts [records=2000000] [records per batch=10] [tail producer rate=10000] [tail seconds=10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBroker } from '../src/broker.js';
import { LogPartition } from '../src/partitions/log-partitions.js';
import type { PartitionHandle } from '../src/partitions/partition-handle.js';
import { createBatch } from '../src/protocol/records.js';
import { validateProducedBatch } from '../src/protocol/record-batch.js';

const total = Number(process.argv[2] ?? 2_000_000);
const perBatch = Number(process.argv[3] ?? 10);
const tailRate = Number(process.argv[4] ?? 10_000);
const tailSeconds = Number(process.argv[5] ?? 10);

// The console reaches partitions only through the broker: its first read of one shows the handle here.
const handles = new Map<string, PartitionHandle>();
const read = LogPartition.prototype.read;
LogPartition.prototype.read = function (this: LogPartition, ...args: Parameters<typeof read>) {
  handles.set(this.topic, this);
  return read.apply(this, args);
};

const dir = await mkdtemp(join(tmpdir(), 'runnel-console-bench-'));
const broker = await startBroker({ port: 0, dataDir: dir, console: true, config: { 'runnel.metrics.port': 0 } });
const base = `http://127.0.0.1:${broker.consolePort}`;
const call = async (path: string, method = 'GET', body?: unknown): Promise<any> => {
  const r = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
async function handleOf(topic: string): Promise<PartitionHandle> {
  await call('/api/topics', 'POST', { name: topic, partitions: 1 });
  await call(`/api/topics/${topic}/records`, 'POST', { value: 'first', partition: 0 });
  await call(`/api/topics/${topic}/records?from=beginning`);
  return handles.get(topic)!;
}
async function append(h: PartitionHandle, values: string[], ts: (j: number) => number): Promise<void> {
  const batch = createBatch(values.map((v, j) => ({ key: null, value: Buffer.from(v), timestamp: ts(j), headers: [] })));
  await h.append(batch, validateProducedBatch(batch), Date.now()).written;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(path: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const body = await call(path);
    runs.push(performance.now() - t);
    if (body.records.length === 0) throw new Error(`${path}: no records`);
  }
  return median(runs);
}

try {
  const big = await handleOf('big');
  const t0 = Date.now() + 3_600_000;
  const built = performance.now();
  for (let o = 1; o <= total; o += perBatch) {
    const n = Math.min(perBatch, total + 1 - o);
    await append(big, Array.from({ length: n }, (_, j) => `record-${o + j}`), (j) => t0 + o + j);
  }
  console.log(`partition: ${big.highWatermark.toLocaleString('en')} records in ${Math.ceil(total / perBatch).toLocaleString('en')} batches, ${(big.size / 2 ** 20).toFixed(0)} MiB, built in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  // Building kept the event loop busy: let the server close the idle keep-alive connection first, or fetch may reuse it as it closes (ECONNRESET).
  await new Promise((r) => setTimeout(r, 500));
  const mid = Math.floor(total / 2);
  console.log(`browse at offset ${mid.toLocaleString('en')}: ${(await timed(`/api/topics/big/records?partitions=0&from=offset&value=${mid}&limit=50`)).toFixed(0)} ms (median of 5, 50 records)`);
  console.log(`browse by timestamp (offset ${mid.toLocaleString('en')}): ${(await timed(`/api/topics/big/records?partitions=0&from=timestamp&value=${t0 + mid}&limit=50`)).toFixed(0)} ms`);
  console.log(`browse from the end: ${(await timed('/api/topics/big/records?partitions=0&from=end&limit=50')).toFixed(0)} ms`);

  const busy = await handleOf('busy');
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live/tail/busy?rate=10000`);
  let delivered = 0;
  let skipped = 0;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'ready') ready();
    else if (m.type === 'records') delivered += m.records.length;
    else if (m.type === 'skipped') skipped += m.count;
  });
  await isReady;
  const start = busy.highWatermark;
  const began = performance.now();
  let produced = 0;
  while (performance.now() - began < tailSeconds * 1000) {
    // Paced by the clock: however late a turn comes, the producer catches up to tailRate a second.
    const due = Math.floor(((performance.now() - began) / 1000) * tailRate) - produced;
    for (let k = 0; k < due; k += 500) {
      const n = Math.min(500, due - k);
      await append(busy, Array.from({ length: n }, (_, j) => `busy-${produced + k + j}`), () => Date.now());
    }
    produced += Math.max(0, due);
    await new Promise((r) => setTimeout(r, 10));
  }
  const producedS = (performance.now() - began) / 1000;
  const total2 = busy.highWatermark - start;
  while (delivered + skipped < total2 && performance.now() - began < (tailSeconds + 30) * 1000) await new Promise((r) => setTimeout(r, 50));
  const tailS = (performance.now() - began) / 1000;
  ws.close();
  console.log(
    `live tail at rate 10000: produced ${total2.toLocaleString('en')} in ${producedS.toFixed(1)} s (${Math.round(total2 / producedS).toLocaleString('en')}/s); delivered ${delivered.toLocaleString('en')} in ${tailS.toFixed(1)} s (${Math.round(delivered / tailS).toLocaleString('en')}/s), skipped ${skipped.toLocaleString('en')}`,
  );
} finally {
  await broker.close();
  await rm(dir, { recursive: true, force: true });
}
