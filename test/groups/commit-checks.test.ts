/**
 * Kafka's order of checks for commits into a classic group (member, then generation, then state),
 * and null commit metadata stored and returned as "" (OffsetCommit and TxnOffsetCommit).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';

const Z = '00000000-0000-0000-0000-000000000000';
const [COMMIT, FETCH, JOIN, SYNC, INIT_PID, ADD_OFFSETS, END_TXN, TXN_COMMIT] = [8, 9, 11, 14, 22, 25, 26, 28];

let broker: Broker;
let dataDir: string;
let w: KafkaWire;
beforeAll(async () => {
  dataDir = await mkdtemp(joinPath(tmpdir(), 'runnel-commit-checks-'));
  broker = await startBroker({ port: 0, dataDir, config: { 'group.min.session.timeout.ms': 100 } });
  w = await KafkaWire.connect(broker.port);
  await w.request(3, 9, { topics: [{ topicId: Z, name: 't' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
});
afterAll(async () => {
  await w?.close();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const joinBody = (groupId: string, memberId: string, meta = 'm') => ({
  groupId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from(meta) }],
  reason: null,
});
async function join(c: KafkaWire, group: string, memberId = '', meta = 'm'): Promise<any> {
  const first = await c.request(JOIN, 5, joinBody(group, memberId, meta));
  return first.errorCode === 79 ? c.request(JOIN, 5, joinBody(group, first.memberId, meta)) : first;
}
const commit = async (v: number, group: string, generation: number, memberId: string, offset = 1n, metadata: string | null = 'meta') =>
  (
    await w.request(COMMIT, v, {
      groupId: group,
      generationIdOrMemberEpoch: generation,
      memberId,
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: metadata, commitTimestamp: -1n }] }],
    })
  ).topics[0].partitions[0].errorCode;
const fetched = async (v: number, group: string) => {
  const r = await w.request(FETCH, v, { groupId: group, topics: [{ name: 't', partitionIndexes: [0] }], groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] }], requireStable: false });
  return v >= 8 ? r.groups[0].topics[0].partitions[0] : r.topics[0].partitions[0];
};

describe('null commit metadata', () => {
  it('is stored and returned as "" by OffsetCommit, for every version that has metadata', async () => {
    for (const v of [0, 1, 2, 5, 7, 8, 9]) {
      const group = `null-meta-${v}`;
      expect(await commit(v, group, -1, '', 5n, null)).toBe(0);
      const p = await fetched(Math.min(v, 9), group);
      expect([p.committedOffset, p.metadata]).toEqual([5n, '']);
    }
  });

  it('is stored and returned as "" by TxnOffsetCommit once the transaction commits', async () => {
    const p = await w.request(INIT_PID, 4, { transactionalId: 'null-meta-tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    expect(p.errorCode).toBe(0);
    expect((await w.request(ADD_OFFSETS, 3, { transactionalId: 'null-meta-tx', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'null-meta-txg' })).errorCode).toBe(0);
    const r = await w.request(TXN_COMMIT, 3, {
      transactionalId: 'null-meta-tx',
      groupId: 'null-meta-txg',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(r.topics[0].partitions[0].errorCode).toBe(0);
    expect((await w.request(END_TXN, 3, { transactionalId: 'null-meta-tx', producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true })).errorCode).toBe(0);
    const f = await fetched(9, 'null-meta-txg');
    expect([f.committedOffset, f.metadata]).toEqual([9n, '']);
  });
});

describe("Kafka's order of commit checks in a classic group", () => {
  it('a stale generation during a rebalance is ILLEGAL_GENERATION; the current one REBALANCE_IN_PROGRESS; strangers UNKNOWN_MEMBER_ID', async () => {
    const group = 'stale-gen';
    const [a, b] = await Promise.all([KafkaWire.connect(broker.port), KafkaWire.connect(broker.port)]);
    const ja = await join(a, group);
    expect((await a.request(SYNC, 3, { groupId: group, generationId: ja.generationId, memberId: ja.memberId, groupInstanceId: null, assignments: [] })).errorCode).toBe(0);
    expect(await commit(8, group, ja.generationId, ja.memberId)).toBe(0);
    // B joins: PreparingRebalance. A's generation is still the current one, and commits pass (Kafka relies on heartbeats).
    const parkedB = join(b, group);
    await new Promise((r) => setTimeout(r, 100));
    expect(await commit(8, group, ja.generationId, ja.memberId)).toBe(0);
    const [ja2, jb2] = await Promise.all([join(a, group, ja.memberId), parkedB]);
    expect(ja2.generationId).toBe(ja.generationId + 1);
    // CompletingRebalance: the old generation is stale whatever the state; the current one waits for SyncGroup.
    expect(await commit(8, group, ja.generationId, ja.memberId)).toBe(22); // ILLEGAL_GENERATION
    expect(await commit(8, group, ja2.generationId, ja2.memberId)).toBe(27); // REBALANCE_IN_PROGRESS
    expect(await commit(8, group, ja2.generationId, 'nobody')).toBe(25); // UNKNOWN_MEMBER_ID
    expect(await commit(0, group, -1, '')).toBe(25); // an anonymous v0 commit into a group with members
    expect(await commit(8, group, -1, '')).toBe(25);

    // A transactional commit is not held back by the rebalance, but its member and generation are checked.
    const p = await w.request(INIT_PID, 4, { transactionalId: 'stale-gen-tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    await w.request(ADD_OFFSETS, 3, { transactionalId: 'stale-gen-tx', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: group });
    const txnCommit = async (generationId: number, memberId: string) =>
      (
        await w.request(TXN_COMMIT, 3, {
          transactionalId: 'stale-gen-tx',
          groupId: group,
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          generationId,
          memberId,
          groupInstanceId: null,
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: '' }] }],
        })
      ).topics[0].partitions[0].errorCode;
    expect(await txnCommit(ja2.generationId, ja2.memberId)).toBe(0);
    expect(await txnCommit(ja.generationId, ja.memberId)).toBe(22);
    expect(await txnCommit(ja2.generationId, 'nobody')).toBe(25);
    expect(await txnCommit(-1, '')).toBe(0); // the old versions' defaults: no member to check
    await Promise.all([a.close(), b.close()]);
  });

  it('a generation for a group that does not exist is GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before', async () => {
    expect(await commit(9, 'no-such-group-9', 3, 'm')).toBe(69);
    expect(await commit(8, 'no-such-group-8', 3, 'm')).toBe(22);
    expect(await commit(9, 'simple-group-9', -1, '')).toBe(0);
  });
});
