/**
 * The console on a big partition and a busy one, measured by what it reads rather than by how long
 * it takes (the machine is shared): browsing a partition of many batches by offset, by timestamp
 * and from the end reads only batches near the position (a spy on the partition's reads counts
 * them), and the live tail holds its rate cap against a faster producer while every record is
 * either delivered or counted as skipped.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBroker, type Broker } from '../../src/broker.js';
import { LogPartition } from '../../src/partitions/log-partitions.js';
import { createBatch } from '../../src/protocol/records.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import type { PartitionHandle } from '../../src/partitions/partition-handle.js';
import { until } from '../helpers/until.js';

const BATCHES = 40_000;
const PER_BATCH = 5;
// After the first record's timestamp (now), so the time index's answers fall in the appended batches.
const T0 = Date.now() + 3_600_000;

let broker: Broker;
let base: string;
let dataDir: string;
const reads: Array<{ topic: string; offset: number; bytes: number }> = [];
const handles = new Map<string, PartitionHandle>();

async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  return { status: r.status, body: await r.json() };
}

/** The partition's handle, as the console's first read of it reveals it to the spy. */
async function handleOf(topic: string): Promise<PartitionHandle> {
  expect((await call(`/api/topics/${topic}/records`, 'POST', { value: 'first', partition: 0 })).status).toBe(201);
  expect((await call(`/api/topics/${topic}/records?from=beginning`)).status).toBe(200);
  const h = handles.get(topic);
  if (!h) throw new Error(`no read of ${topic} was seen`);
  return h;
}

/** Appends through the log API, as Produce does after its checks: much faster than producing over the wire. */
async function append(h: PartitionHandle, records: Array<{ value: string; timestamp: number }>): Promise<void> {
  const batch = createBatch(records.map((r) => ({ key: null, value: Buffer.from(r.value), timestamp: r.timestamp, headers: [] })));
  await h.append(batch, validateProducedBatch(batch), Date.now()).written;
}

beforeAll(async () => {
  const read = LogPartition.prototype.read;
  vi.spyOn(LogPartition.prototype, 'read').mockImplementation(async function (this: LogPartition, offset, maxBytes, opts) {
    const r = await read.call(this, offset, maxBytes, opts);
    handles.set(this.topic, this);
    reads.push({ topic: this.topic, offset, bytes: r.records.length });
    return r;
  });
  dataDir = mkdtempSync(join(tmpdir(), 'runnel-console-scale-'));
  // On disk, as a big partition would be: positions come from the segments' offset and time indexes.
  broker = await startBroker({ port: 0, dataDir, console: true, config: { 'runnel.metrics.port': 0} });
  base = `http://127.0.0.1:${broker.consolePort}`;
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await broker?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('browsing a partition of many batches', () => {
  let h: PartitionHandle;
  /** The offset of batch i's first record (after the one record produced first), and its timestamp. */
  const offsetOf = (i: number): number => 1 + i * PER_BATCH;
  const tsOf = (i: number): number => T0 + i * 10;

  beforeAll(async () => {
    expect((await call('/api/topics', 'POST', { name: 'big', partitions: 1 })).status).toBe(201);
    h = await handleOf('big');
    for (let i = 0; i < BATCHES; i++) await append(h, Array.from({ length: PER_BATCH }, (_, j) => ({ value: `record-${offsetOf(i) + j}-${'x'.repeat(40)}`, timestamp: tsOf(i) + j })));
    expect(h.highWatermark).toBe(1 + BATCHES * PER_BATCH);
  }, 240_000);

  /** What the console read of `big` while serving `path`. */
  async function readsFor(path: string): Promise<{ body: any; calls: Array<{ offset: number; bytes: number }>; bytes: number }> {
    reads.length = 0;
    const r = await call(path);
    expect(r.status).toBe(200);
    const calls = reads.filter((x) => x.topic === 'big');
    return { body: r.body, calls, bytes: calls.reduce((n, c) => n + c.bytes, 0) };
  }

  it('serves an offset in the middle reading only from there', async () => {
    const mid = offsetOf(BATCHES / 2) + 2;
    const { body, calls, bytes } = await readsFor(`/api/topics/big/records?partitions=0&from=offset&value=${mid}&limit=50`);
    expect(body.records.map((r: any) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => mid + i));
    expect(Buffer.from(body.records[0].value, 'base64').toString()).toContain(`record-${mid}-`);
    // One read of about one batch-size window from the position: a scan from the start would read the whole log.
    expect(calls.length).toBeLessThanOrEqual(2);
    for (const c of calls) expect(c.offset).toBeGreaterThanOrEqual(mid);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024 + 1024);
    expect(h.size).toBeGreaterThan(8 * bytes);
  });

  it('serves a timestamp in the middle from the time index', async () => {
    const i = Math.floor(BATCHES * 0.37);
    const offsetFor = vi.spyOn(LogPartition.prototype, 'offsetForTimestamp');
    const { body, calls, bytes } = await readsFor(`/api/topics/big/records?partitions=0&from=timestamp&value=${tsOf(i) + 3}&limit=20`);
    expect(body.records[0]).toMatchObject({ offset: offsetOf(i) + 3, timestamp: tsOf(i) + 3 });
    expect(body.records).toHaveLength(20);
    expect(offsetFor).toHaveBeenCalledTimes(1);
    offsetFor.mockRestore();
    expect(calls.length).toBeLessThanOrEqual(2);
    for (const c of calls) expect(c.offset).toBeGreaterThanOrEqual(offsetOf(i));
    expect(h.size).toBeGreaterThan(8 * bytes);
  });

  it('serves the end and pages back from a position without reading from the start', async () => {
    const end = await readsFor('/api/topics/big/records?partitions=0&from=end&limit=30');
    expect(end.body.records.at(-1).offset).toBe(h.highWatermark - 1);
    expect(end.body.records).toHaveLength(30);
    for (const c of end.calls) expect(c.offset).toBeGreaterThanOrEqual(h.highWatermark - 30);

    const at = offsetOf(BATCHES / 4);
    const back = await readsFor(`/api/topics/big/records?partitions=0&dir=prev&limit=30&positions=${encodeURIComponent(JSON.stringify({ 0: at }))}`);
    expect(back.body.records.map((r: any) => r.offset)).toEqual(Array.from({ length: 30 }, (_, k) => at - 30 + k));
    for (const c of back.calls) expect(c.offset).toBeGreaterThanOrEqual(at - 30);
    expect(h.size).toBeGreaterThan(8 * back.bytes);
  });
});

describe('the live tail of a busy topic', () => {
  it('holds its rate cap against a faster producer and counts every record it does not deliver as skipped', { timeout: 120_000 }, async () => {
    expect((await call('/api/topics', 'POST', { name: 'busy', partitions: 1 })).status).toBe(201);
    const h = await handleOf('busy');
    const RATE = 1000;
    const PER_TICK = RATE / 5; // live.ts sends every 200 ms at most rate × 0.2 records
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live/tail/busy?rate=${RATE}`);
    const messages: Array<{ type: string; count?: number; records?: Array<{ offset: number }> }> = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await until('ready', () => (messages.some((m) => m.type === 'ready') ? true : undefined), 15_000, 20);
    const start = h.highWatermark;
    const t0 = Date.now();

    // About 20,000 records a second for 3 seconds: 20 times the cap.
    let n = 0;
    while (Date.now() - t0 < 3000) {
      await append(
        h,
        Array.from({ length: 200 }, () => ({ value: `busy-${n++}`, timestamp: Date.now() })),
      );
      await new Promise((r) => setTimeout(r, 10));
    }
    const produced = h.highWatermark - start;
    const delivered = () => messages.flatMap((m) => (m.type === 'records' ? m.records! : []));
    const skipped = () => messages.reduce((s, m) => s + (m.type === 'skipped' ? m.count! : 0), 0);
    await until('the tail to account for every record', () => (delivered().length + skipped() === produced ? true : undefined), 30_000);
    const elapsedS = (Date.now() - t0) / 1000;
    ws.close();

    const offsets = delivered().map((r) => r.offset);
    // In order, each once, all from the records produced after the tail started.
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true);
    expect(offsets[0]).toBeGreaterThanOrEqual(start);
    expect(offsets.at(-1)).toBe(h.highWatermark - 1);
    // The cap: never more than a tick's allowance in one message, nor more than the rate over the whole run.
    for (const m of messages) if (m.type === 'records') expect(m.records!.length).toBeLessThanOrEqual(PER_TICK);
    expect(offsets.length).toBeLessThanOrEqual(RATE * elapsedS + PER_TICK);
    expect(produced).toBeGreaterThan(5 * offsets.length);
    // Honest counts: the records between delivered ones are exactly the skipped ones.
    let gaps = offsets[0] - start;
    for (let i = 1; i < offsets.length; i++) gaps += offsets[i] - offsets[i - 1] - 1;
    expect(skipped()).toBe(gaps);
    expect(skipped()).toBeGreaterThan(0);
  });
});
