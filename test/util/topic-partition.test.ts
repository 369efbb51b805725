import { describe, expect, it } from 'vitest';
import { TopicPartitionMap, TopicPartitionSet, joinKey, parseTpKey, tpKey } from '../../src/util/topic-partition.js';

describe('TopicPartitionMap', () => {
  it('sets, gets, overwrites and counts per topic-partition', () => {
    const m = new TopicPartitionMap<string>();
    expect(m.size).toBe(0);
    m.set('a', 0, 'a0').set('a', 1, 'a1').set('b', 0, 'b0');
    expect(m.size).toBe(3);
    expect(m.get('a', 1)).toBe('a1');
    expect(m.get('b', 1)).toBeUndefined();
    expect(m.get('c', 0)).toBeUndefined();
    expect(m.has('b', 0)).toBe(true);
    expect(m.has('b', 1)).toBe(false);
    m.set('a', 1, 'again');
    expect(m.size).toBe(3);
    expect(m.get('a', 1)).toBe('again');
  });

  it('keeps topics that only differ from a joined key apart', () => {
    const m = new TopicPartitionMap<number>();
    m.set('t1', 0, 1).set('t', 10, 2);
    expect(m.get('t1', 0)).toBe(1);
    expect(m.get('t', 10)).toBe(2);
    expect(m.size).toBe(2);
  });

  it('deletes, dropping a topic with no partitions left', () => {
    const m = new TopicPartitionMap<number>();
    m.set('a', 0, 1).set('a', 1, 2).set('b', 3, 3);
    expect(m.delete('a', 5)).toBe(false);
    expect(m.delete('z', 0)).toBe(false);
    expect(m.delete('a', 0)).toBe(true);
    expect(m.delete('a', 0)).toBe(false);
    expect(m.size).toBe(2);
    expect(m.delete('a', 1)).toBe(true);
    expect([...m.topics()]).toEqual(['b']);
    expect(m.partitionsOf('a')).toEqual([]);
    m.clear();
    expect(m.size).toBe(0);
    expect([...m.entries()]).toEqual([]);
  });

  it('iterates entries, keys and values as topic-partitions', () => {
    const m = new TopicPartitionMap<string>();
    m.set('a', 2, 'a2').set('b', 0, 'b0').set('a', 1, 'a1');
    expect([...m]).toEqual([
      [{ topic: 'a', partition: 2 }, 'a2'],
      [{ topic: 'a', partition: 1 }, 'a1'],
      [{ topic: 'b', partition: 0 }, 'b0'],
    ]);
    expect([...m.keys()]).toEqual([{ topic: 'a', partition: 2 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }]);
    expect([...m.values()]).toEqual(['a2', 'a1', 'b0']);
    expect(m.partitionsOf('a')).toEqual([2, 1]);
  });
});

describe('TopicPartitionSet', () => {
  it('adds once, tests, deletes and iterates', () => {
    const s = new TopicPartitionSet([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 0 }, { topic: 'b', partition: 1 }]);
    expect(s.size).toBe(2);
    expect(s.has('a', 0)).toBe(true);
    expect(s.has('a', 1)).toBe(false);
    expect(s.delete('a', 0)).toBe(true);
    expect([...s]).toEqual([{ topic: 'b', partition: 1 }]);
  });
});

describe('flat keys', () => {
  it('round-trips a topic-partition through its flat key, in the persisted "topic\\0partition" form', () => {
    expect(tpKey('orders', 7)).toBe('orders\u00007');
    expect(parseTpKey(tpKey('orders', 7))).toEqual({ topic: 'orders', partition: 7 });
    expect(joinKey('g', 'm', 3n)).toBe('g\u0000m\u00003');
  });
});
