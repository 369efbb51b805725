/** The controller's per-partition decision, alone. */
import { describe, expect, it } from 'vitest';
import { electLeader, type ClusterView } from '../../../src/cluster/etcd/election.js';

const view = (alive: number[], down: number[] = []): ClusterView => ({ alive: (id) => alive.includes(id), shuttingDown: (id) => down.includes(id) });

describe('electLeader', () => {
  it('keeps a live leader and drops dead followers from the ISR', () => {
    expect(electLeader({ leader: 1, isr: [1, 2, 3] }, [1, 2, 3], view([1, 2, 3]), false)).toBeUndefined();
    expect(electLeader({ leader: 1, isr: [1, 2, 3] }, [1, 2, 3], view([1, 3]), false)).toEqual({ leader: 1, isr: [1, 3] });
  });

  it('elects the first live ISR member in assignment order when the leader dies', () => {
    expect(electLeader({ leader: 1, isr: [3, 1, 2] }, [1, 2, 3], view([2, 3]), false)).toEqual({ leader: 2, isr: [3, 2] });
    // 2 is alive but not in the ISR: not eligible for a clean election.
    expect(electLeader({ leader: 1, isr: [1, 3] }, [1, 2, 3], view([2, 3]), false)).toEqual({ leader: 3, isr: [3] });
  });

  it('goes offline keeping the ISR when no ISR member is alive, unless unclean', () => {
    expect(electLeader({ leader: 1, isr: [1] }, [1, 2], view([2]), false)).toEqual({ leader: -1, isr: [1] });
    expect(electLeader({ leader: -1, isr: [1] }, [1, 2], view([2]), false)).toBeUndefined();
    expect(electLeader({ leader: 1, isr: [1] }, [1, 2], view([2]), true)).toEqual({ leader: 2, isr: [2] });
    expect(electLeader({ leader: 1, isr: [1, 2] }, [1, 2, 3], view([3]), false)).toEqual({ leader: -1, isr: [1, 2] });
  });

  it('brings an offline partition back when an ISR member returns', () => {
    expect(electLeader({ leader: -1, isr: [1, 2] }, [1, 2, 3], view([2, 3]), false)).toEqual({ leader: 2, isr: [2] });
    expect(electLeader({ leader: -1, isr: [1] }, [2, 1], view([1, 2]), false)).toEqual({ leader: 1, isr: [1] });
  });

  it('moves leadership off a broker shutting down, when someone can take it', () => {
    expect(electLeader({ leader: 1, isr: [1, 2] }, [1, 2], view([1, 2], [1]), false)).toEqual({ leader: 2, isr: [2] });
    expect(electLeader({ leader: 2, isr: [2, 1] }, [1, 2], view([1, 2], [1]), false)).toEqual({ leader: 2, isr: [2] });
    // Alone in the ISR: it keeps leading until it stops.
    expect(electLeader({ leader: 1, isr: [1] }, [1, 2], view([1, 2], [1]), false)).toBeUndefined();
    // The only other ISR member is shutting down too: no pointless move.
    expect(electLeader({ leader: 1, isr: [1, 2] }, [2, 1], view([1, 2], [1, 2]), false)).toEqual({ leader: 1, isr: [1] });
  });
});
