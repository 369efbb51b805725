/**
 * ElectLeaders through etcd (election-requests.ts) against a real etcd: a request no controller
 * answers times out and leaves no key behind; a request pending when a controller takes over is
 * served by it (the elected state is in the requester's image when the answer comes), duplicates
 * once, and the key goes.
 */
import { describe, expect, it } from 'vitest';
import { Controller } from '../../../src/cluster/etcd/controller.js';
import { requestElection } from '../../../src/cluster/etcd/election-requests.js';
import type { EtcdControl } from '../../../src/cluster/etcd/etcd-control.js';
import { randomTopicId } from '../../../src/cluster/uuid.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { liveIds, newPrefix, openBroker, until, useTestEtcd } from './brokers.js';

const etcd = useTestEtcd();

async function pendingKeys(c: EtcdControl): Promise<number> {
  return (await c.client.getAll().prefix(`${c.keys.root}/elections/`).keys()).length;
}

describe('ElectLeaders requests in etcd', () => {
  it('times out without a controller, and the request key is removed', async () => {
    const prefix = newPrefix();
    const b1 = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, 1));
    const started = Date.now();
    expect(await requestElection(b1, { type: 0, partitions: null, timeoutMs: 800 })).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(await pendingKeys(b1)).toBe(0);
  });

  it('a request pending when a controller takes over is served: preferred leader elected, answer once per partition', async () => {
    const prefix = newPrefix();
    const b1 = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, 1));
    const b2 = etcd.closeAfterTest(await openBroker(etcd.endpoints, prefix, 2));
    await until(b1, 'both brokers', (i) => liveIds(i).join() === '1,2');
    await b1.createTopic('t', randomTopicId(), {}, [[1, 2], [2, 1]]);
    // Partition 0 led by 2, its second replica (as after broker 1's restart).
    const moved = await b1.casPartition('t', 0, undefined, (cur) => ({ leader: 2, isr: cur.isr }));
    expect(moved.ok).toBe(true);
    await until(b2, 't-0 led by 2', (i) => i.topic('t')?.partitionStates[0].leader === 2);
    const asked = requestElection(b2, {
      type: 0,
      partitions: [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await pendingKeys(b1)).toBe(1);
    const controller = new Controller(b1, { uncleanLeaderElection: false });
    controller.start();
    try {
      const answer = await asked;
      expect(answer).not.toBe('timeout');
      if (answer === 'timeout') return;
      expect(answer.results).toEqual([
        { topic: 't', partition: 0, errorCode: 0, errorMessage: null },
        { topic: 't', partition: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
      ]);
      // The requester's image already has the new leader when the answer arrives.
      expect(b2.image().topic('t')?.partitionStates[0].leader).toBe(1);
      expect(await pendingKeys(b1)).toBe(0);
    } finally {
      await controller.stop();
    }
  });
});
