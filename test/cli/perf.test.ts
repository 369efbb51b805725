import { describe, expect, it } from 'vitest';
import { runnel, toolBroker } from './run-tool.js';

const t = toolBroker();

describe('runnel perf', { timeout: 60_000 }, () => {
  it('produces 2000 records with a summary line, then consumes them', async () => {
    expect((await runnel(['topics', ...t.bs, '--create', '--topic', 'perf-t', '--partitions', '3'])).code).toBe(0);
    const prod = await runnel(['perf', 'produce', ...t.bs, '--topic', 'perf-t', '--num-records', '2000', '--record-size', '100', '--acks', 'all', '--batch-size', '8192']);
    expect(prod.code, prod.stderr).toBe(0);
    const last = prod.stdout.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(
      /^2000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/,
    );

    // a throttled run: 200 records at 1000/s take about 0.2 s
    const slow = await runnel(['perf', 'produce', ...t.bs, '--topic', 'perf-t', '--num-records', '200', '--record-size', '10', '--throughput', '1000', '--acks', '1']);
    expect(slow.code, slow.stderr).toBe(0);
    const rate = Number(/records sent, ([\d.]+) records\/sec/.exec(slow.stdout)![1]);
    expect(rate).toBeLessThan(1300);

    const cons = await runnel(['perf', 'consume', ...t.bs, '--topic', 'perf-t', '--messages', '2200', '--timeout-ms', '5000']);
    expect(cons.code, cons.stderr).toBe(0);
    const lines = cons.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    const cols = lines.at(-1)!.split(', ');
    expect(cols).toHaveLength(10);
    expect(cols[4]).toBe('2200');
    expect(Number(cols[2])).toBeCloseTo((2000 * 100 + 200 * 10) / (1024 * 1024), 3);

    const short = await runnel(['perf', 'consume', ...t.bs, '--topic', 'perf-t', '--messages', '5000', '--timeout-ms', '500']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^runnel perf: Exiting before consuming the expected number of messages: timeout \(500 ms\) exceeded \(2200 of 5000 consumed\)\n$/);
  });
});
