import { describe, expect, it } from 'vitest';
import { eachLimit } from '../../src/util/each-limit.js';

describe('eachLimit', () => {
  it('runs every item, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await eachLimit(Array.from({ length: 50 }, (_, i) => i), 4, async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, i % 3));
      seen.push(i);
      running--;
    });
    expect(most).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await eachLimit([], 4, async () => {
      throw new Error('not called');
    });
  });
});
