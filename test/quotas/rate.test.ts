/** The sampled rate behind every quota: Kafka's window arithmetic and throttle time. */
import { describe, expect, it } from 'vitest';
import { SampledRate } from '../../src/quotas/rate.js';

const W = { samples: 11, windowMs: 1000 };

describe('SampledRate', () => {
  it('measures a first burst over samples − 1 windows, not over the few ms it took', () => {
    const r = new SampledRate(W);
    r.record(10_000, 0);
    // 10 000 units over the 10 s minimum span.
    expect(r.measure(0)).toBe(1000);
    expect(r.measure(5)).toBeCloseTo(10_000_000 / 10_005, 6);
  });

  it('measures a steady rate over the windows it spans', () => {
    const r = new SampledRate(W);
    for (let t = 0; t < 30_000; t += 100) r.record(100, t); // 1000 units/s
    expect(r.measure(30_000)).toBeGreaterThan(900);
    expect(r.measure(30_000)).toBeLessThan(1100);
  });

  it('forgets windows older than samples × window', () => {
    const r = new SampledRate(W);
    r.record(1_000_000, 0);
    expect(r.measure(1000)).toBeGreaterThan(0);
    expect(r.measure(12_000)).toBe(0);
  });

  it('throttle time = (rate − bound) / bound × window span, 0 within the bound', () => {
    const r = new SampledRate(W);
    r.record(20_000, 0); // 2000/s measured over 10 s
    expect(r.throttleMs(2000, 0)).toBe(0);
    expect(r.throttleMs(1000, 0)).toBe(10_000); // (2000 − 1000) / 1000 × 10 000 ms
    expect(r.throttleMs(1500, 0)).toBe(Math.round((500 / 1500) * 10_000));
  });

  it('a negative record takes a value back', () => {
    const r = new SampledRate(W);
    r.record(5000, 0);
    r.record(-5000, 0);
    expect(r.measure(0)).toBe(0);
  });
});
