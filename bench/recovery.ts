/**
 * Start-up after a crash with many partitions: writes data into N partitions through the
 * LogManager, "crashes" (no clean shutdown: checkpoints as the periodic writer left them, no
 * marker), then times LogManager.open until every log is open (whenOpen), which rescans every
 * partition from its recovery point.
 * Also times a clean restart. Figures are printed, never asserted.
 *   npx tsx bench/recovery.ts [partitions=1000] [MiB per partition=2] [segment MiB=1] [dir]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../src/config/config.js';
import { LogManager } from '../src/storage/log-manager.js';
import { createBatch } from '../src/protocol/records.js';
import { validateProducedBatch } from '../src/protocol/record-batch.js';
import { silentLogger } from '../src/util/logger.js';
import type { TopicInfo } from '../src/cluster/topics.js';

const partitions = Number(process.argv[2] ?? 1000);
const mibPer = Number(process.argv[3] ?? 2);
const segmentMib = Number(process.argv[4] ?? 1);
const dir = await mkdtemp(join(process.argv[5] ?? tmpdir(), 'runnel-recovery-'));
const config = new BrokerConfig({ 'log.dirs': dir, 'log.segment.bytes': segmentMib * 1024 * 1024 });
const topics: TopicInfo[] = Array.from({ length: Math.ceil(partitions / 100) }, (_, i) => ({
  name: `t${i}`,
  id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
  partitions: Math.min(100, partitions - i * 100),
  configs: {},
  internal: false,
}));

const template = createBatch(Array.from({ length: 16 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(1000, i) })));
const perPartition = Math.ceil((mibPer * 1024 * 1024) / template.length);
let t = performance.now();
const logs = await LogManager.open(config, topics, () => ({}), silentLogger);
await logs.whenOpen();
for (const p of logs.all()) {
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < perPartition; i++) {
    const b = Buffer.from(template);
    pending.push(p.append(b, validateProducedBatch(b)));
  }
  await Promise.all(pending);
}
for (const p of logs.all()) await p.settle();
await logs.writeCheckpoints(); // what the periodic checkpoint writer would have left
const totalBytes = logs.all().reduce((s, p) => s + p.size, 0);
console.log(`wrote ${(totalBytes / 2 ** 30).toFixed(2)} GiB into ${partitions} partitions in ${((performance.now() - t) / 1000).toFixed(1)} s`);
// Crash: no close(), so no clean-shutdown marker; descriptors are simply dropped.
await logs.files.closeAll();

t = performance.now();
const recovered = await LogManager.open(config, topics, () => ({}), silentLogger);
await recovered.whenOpen();
const crashMs = performance.now() - t;
const scanned = recovered.all().reduce((s, p) => s + p.active.size, 0);
console.log(`after a crash: opened ${recovered.recoveryStats.partitions} partitions in ${(crashMs / 1000).toFixed(2)} s (rescanned ${(scanned / 2 ** 20).toFixed(0)} MiB past the recovery points; target < 5 s)`);
await recovered.close();

t = performance.now();
const clean = await LogManager.open(config, topics, () => ({}), silentLogger);
await clean.whenOpen();
console.log(`after a clean shutdown: opened in ${((performance.now() - t) / 1000).toFixed(2)} s`);
await clean.close();
await rm(dir, { recursive: true, force: true });
