/**
 * A data directory written by an earlier release (text keys and JSON values in __consumer_offsets
 * and __transaction_state) still starts: groups, offsets, consumer-protocol groups, a transaction
 * with offsets waiting for its end, are all there. The start migrates them to Kafka's format
 * (legacy keys get tombstones), and the next start finds the same state again.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { appendOffline } from '../helpers/admin-wire.js';
import { describeGroup } from '../helpers/consumer-group.js';
import { legacy, legacyBatch } from '../fixtures/legacy-kv.js';
import { partitionFor } from '../../src/cluster/kv-log.js';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { batchRecords } from '../../src/protocol/batch-records.js';

const Z = '00000000-0000-0000-0000-000000000000';
const CONFIG = { 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 2 };
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

async function start(dataDir: string): Promise<{ broker: Broker; w: KafkaWire }> {
  const broker = await startBroker({ port: 0, dataDir, config: CONFIG });
  const w = await KafkaWire.connect(broker.port);
  cleanup.push(() => broker.close(), () => w.close());
  return { broker, w };
}

async function stop(s: { broker: Broker; w: KafkaWire }): Promise<void> {
  await s.w.close();
  await s.broker.close();
}

const PID = 9000n;
const NOW = Date.now();
const offsetValue = (offset: number, metadata = '') => ({ offset: String(offset), leaderEpoch: -1, metadata, commitTimestamp: NOW, expireTimestamp: -1 });

async function state(w: KafkaWire) {
  const fetched = await w.request(9, 8, { groups: [{ groupId: 'app', topics: null }, { groupId: 'txg', topics: null }], requireStable: false });
  const offsets = Object.fromEntries(fetched.groups.map((g: any) => [g.groupId, g.topics.flatMap((t: any) => t.partitions.map((x: any) => `${t.name}-${x.partitionIndex}@${x.committedOffset}:${x.metadata}`)).sort()]));
  const classic = (await w.request(15, 5, { groups: ['app'], includeAuthorizedOperations: false })).groups[0];
  const consumer = await describeGroup(w, 'ng');
  const txns = (await w.request(65, 0, { transactionalIds: ['tx', 'done'] })).transactionStates.map((t: any) => ({ id: t.transactionalId, state: t.transactionState, producerId: t.producerId, topics: t.topics }));
  return {
    offsets,
    classic: { state: classic.groupState, protocol: classic.protocolData, members: classic.members.map((m: any) => [m.memberId, m.clientId, m.memberAssignment.length]) },
    consumer: { epoch: consumer.groupEpoch, assignmentEpoch: consumer.assignmentEpoch, members: consumer.members.map((m: any) => [m.memberId, m.memberEpoch, m.clientId, m.subscribedTopicNames, m.assignment.topicPartitions.map((tp: any) => tp.partitions)]) },
    txns,
  };
}

describe('a data directory of the former JSON format', () => {
  it('starts with its groups, offsets and transactions intact, migrated to Kafka’s format', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-legacy-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // A first start creates the internal topics and a topic; then the old records are written offline.
    let s = await start(dataDir);
    await s.w.request(19, 7, { topics: [{ name: 'orders', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const topicId = (await s.w.request(3, 12, { topics: [{ topicId: Z, name: 'orders' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).topics[0].topicId;
    await stop(s);

    const assignment = Buffer.from([0, 3, 0, 0, 0, 0, 0, 0, 0, 0]).toString('base64');
    const offsetsLog = (group: string) => partitionFor(group, 3);
    const byPartition = new Map<number, Buffer[]>();
    const put = (group: string, entries: Array<{ key: string; value: unknown }>) => {
      const p = offsetsLog(group);
      byPartition.set(p, [...(byPartition.get(p) ?? []), legacyBatch(entries)]);
    };
    put('app', [
      { key: legacy.offset('app', 'orders', 0), value: offsetValue(5) },
      { key: legacy.offset('app', 'orders', 1), value: offsetValue(42, 'md') },
      {
        key: legacy.group('app'),
        value: {
          protocolType: 'consumer', generation: 3, protocol: 'range', leader: 'm-1', stateTimestamp: NOW,
          members: [{ memberId: 'm-1', groupInstanceId: null, clientId: 'legacy-client', clientHost: '/127.0.0.1', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 6, 111, 114, 100, 101, 114, 115, 0, 0, 0, 0]).toString('base64') }], assignment }],
        },
      },
    ]);
    put('app', [{ key: legacy.offset('app', 'orders', 0), value: null }]); // deleted since
    put('ng', [
      { key: legacy.consumerGroup('ng'), value: { groupEpoch: 4, assignmentEpoch: 4, subscriptionMetadata: [{ name: 'orders', id: topicId, partitions: 2 }] } },
      {
        key: legacy.member('ng', 'cm-1'),
        value: {
          memberId: 'cm-1', instanceId: null, rackId: null, clientId: 'next-gen', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['orders'], subscribedTopicRegex: null, serverAssignor: 'uniform',
          memberEpoch: 4, previousMemberEpoch: 3, state: 'stable', assigned: { [topicId]: [0, 1] }, pendingRevocation: {}, target: { [topicId]: [0, 1] }, classic: null,
        },
      },
    ]);
    // Offsets of an open transaction, and one committed by an earlier transaction.
    put('txg', [{ key: legacy.offset('txg', 'orders', 1), value: offsetValue(3) }]);
    put('txg', [{ key: legacy.pending('txg', PID, 'orders', 0), value: offsetValue(7) }]);
    const txn = (state: string, groups: string[]) => ({ producerId: String(PID), producerEpoch: 0, previousProducerId: '-1', lastProducerEpoch: -1, nextProducerId: '-1', timeoutMs: 600_000, state, partitions: [], groups, startTimestamp: NOW, lastUpdate: NOW });
    const txnWrites = [
      { topic: '__transaction_state', partition: partitionFor('tx', 2), batches: [legacyBatch([{ key: legacy.txn('tx'), value: txn('Ongoing', ['txg']) }])] },
      { topic: '__transaction_state', partition: partitionFor('done', 2), batches: [legacyBatch([{ key: legacy.txn('done'), value: { ...txn('CompleteCommit', []), producerId: '9001' } }])] },
    ];
    await appendOffline(dataDir, [...[...byPartition].map(([partition, batches]) => ({ topic: '__consumer_offsets', partition, batches })), ...txnWrites]);

    s = await start(dataDir);
    const first = await state(s.w);
    expect(first.offsets).toEqual({ app: ['orders-1@42:md'], txg: ['orders-1@3:'] });
    expect(first.classic).toMatchObject({ state: 'Stable', protocol: 'range', members: [['m-1', 'legacy-client', 10]] });
    expect(first.consumer).toEqual({ epoch: 4, assignmentEpoch: 4, members: [['cm-1', 4, 'next-gen', ['orders'], [[0, 1]]]] });
    expect(first.txns).toEqual([
      { id: 'tx', state: 'Ongoing', producerId: PID, topics: [{ topic: '__consumer_offsets', partitions: [offsetsLog('txg')] }] },
      { id: 'done', state: 'CompleteCommit', producerId: 9001n, topics: [] },
    ]);
    // The pending offset waits for its transaction.
    const stable = await s.w.request(9, 8, { groups: [{ groupId: 'txg', topics: [{ name: 'orders', partitionIndexes: [0] }] }], requireStable: true });
    expect(stable.groups[0].topics[0].partitions[0].errorCode).toBe(88); // UNSTABLE_OFFSET_COMMIT

    // The legacy keys now have tombstones, and Kafka-format records say the same.
    const legacyKeys: string[] = [];
    for (let p = 0; p < 3; p++) {
      const r = await s.w.request(1, 12, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 22, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: '__consumer_offsets', topicId: Z, partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 22, replicaDirectoryId: Z, highWatermark: 0n }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const recs = r.responses[0].partitions[0].records as Buffer;
      for (let pos = 0; pos < recs.length; ) {
        const size = readBatchHeader(recs, pos).size;
        for (const x of await batchRecords(recs.subarray(pos, pos + size))) if (x.key && x.key[0] !== 0 && x.value === null) legacyKeys.push(x.key.toString().split('\u0000')[0]);
        pos += size;
      }
    }
    expect(legacyKeys.sort()).toEqual(['c', 'g', 'm', 'o', 'o', 'o', 'p']); // o\0app\0orders\00 was already deleted

    // The migrated transaction commits: its pending offset becomes committed.
    expect((await s.w.request(26, 3, { transactionalId: 'tx', producerId: PID, producerEpoch: 0, committed: true })).errorCode).toBe(0);
    await stop(s);

    s = await start(dataDir);
    const second = await state(s.w);
    expect(second.offsets).toEqual({ app: ['orders-1@42:md'], txg: ['orders-0@7:', 'orders-1@3:'] });
    expect(second.classic).toEqual(first.classic);
    expect(second.consumer).toEqual(first.consumer);
    expect(second.txns).toEqual([
      { id: 'tx', state: 'CompleteCommit', producerId: PID, topics: [] },
      { id: 'done', state: 'CompleteCommit', producerId: 9001n, topics: [] },
    ]);
  }, 60_000);
});
