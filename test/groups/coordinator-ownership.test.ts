/**
 * Coordinators move with leadership (Kafka's GroupCoordinator onElection / onResignation and
 * TransactionStateManager load / remove): a coordinator serves only the ids whose internal-topic
 * partition it leads. Driven here without a cluster: the partitions' handles exist only while a
 * test says this broker leads them, and the coordinators are told of elections and resignations.
 */
import { describe, it, expect } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { GroupCoordinator } from '../../src/groups/group-coordinator.js';
import { GroupStore } from '../../src/groups/group-store.js';
import { TxnCoordinator } from '../../src/transactions/txn-coordinator.js';
import { markerSender, type TxnMarker } from '../../src/transactions/marker-sender.js';
import { ProducerIdAllocator } from '../../src/producers/producer-ids.js';
import { LogPartition } from '../../src/partitions/log-partitions.js';
import { partitionFor, type KvPartitions } from '../../src/cluster/kv-log.js';
import { CoordinatorTopics } from '../../src/cluster/coordinator-wiring.js';
import { MetadataImage, newPartition, topicImage } from '../../src/cluster/metadata-image.js';
import type { Log } from '../../src/storage/log.js';
import type { BrokerServices, Handler, HandlerContext } from '../../src/handlers/types.js';
import * as messages from '../../src/protocol/messages/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir, newLog } from '../storage/helpers.js';
import offsetCommit from '../../src/handlers/08-offset-commit.js';
import findCoordinator from '../../src/handlers/10-find-coordinator.js';
import offsetFetch from '../../src/handlers/09-offset-fetch.js';
import joinGroup from '../../src/handlers/11-join-group.js';
import heartbeat from '../../src/handlers/12-heartbeat.js';
import leaveGroup from '../../src/handlers/13-leave-group.js';
import syncGroup from '../../src/handlers/14-sync-group.js';
import describeGroups from '../../src/handlers/15-describe-groups.js';
import listGroups from '../../src/handlers/16-list-groups.js';
import initProducerId from '../../src/handlers/22-init-producer-id.js';
import addPartitionsToTxn from '../../src/handlers/24-add-partitions-to-txn.js';
import addOffsetsToTxn from '../../src/handlers/25-add-offsets-to-txn.js';
import endTxn from '../../src/handlers/26-end-txn.js';
import txnOffsetCommit from '../../src/handlers/28-txn-offset-commit.js';
import deleteGroups from '../../src/handlers/42-delete-groups.js';
import offsetDelete from '../../src/handlers/47-offset-delete.js';
import describeTransactions from '../../src/handlers/65-describe-transactions.js';
import listTransactions from '../../src/handlers/66-list-transactions.js';
import consumerGroupHeartbeat from '../../src/handlers/68-consumer-group-heartbeat.js';
import consumerGroupDescribe from '../../src/handlers/69-consumer-group-describe.js';
import { testClient } from '../helpers/client-info.js';
import { ALLOW_ALL } from '../../src/ports/authorizer.js';

const NOT_COORDINATOR = 16;
const LOAD_IN_PROGRESS = 14;
const PARTITIONS = 2;
const config = new BrokerConfig({ 'group.initial.rebalance.delay.ms': 60_000 });

/** An id per partition of the internal topic, and another one in the same partition as the first. */
function idsIn(prefix: string): [string, string, string] {
  const by: string[][] = [[], []];
  for (let i = 0; by[0].length < 2 || by[1].length < 1; i++) by[partitionFor(`${prefix}${i}`, PARTITIONS)].push(`${prefix}${i}`);
  return [by[0][0], by[0][1], by[1][0]];
}
const [mine, mineToo, theirs] = idsIn('g');
const [myTxn, , theirTxn] = idsIn('t');

/** Two partitions whose handles exist only while `led` says this broker leads them; reads can be held. */
async function partitionsOnDisk(): Promise<{ kv: KvPartitions; led: Set<number>; logs: Log[]; hold(p: number): () => void }> {
  const logs = [await newLog(await tempDir(), { cleanupPolicy: ['compact'] }), await newLog(await tempDir(), { cleanupPolicy: ['compact'] })];
  const led = new Set<number>([0, 1]);
  const handles = logs.map((l) => new LogPartition(l));
  const gates = new Map<number, Promise<void>>();
  const kv: KvPartitions = {
    count: () => PARTITIONS,
    handle: (p) => (led.has(p) ? handles[p] : undefined),
    log: (p) => {
      const log = logs[p];
      const gate = gates.get(p);
      if (!gate) return log;
      return new Proxy(log, { get: (t, k) => (k === 'read' ? async (...a: Parameters<Log['read']>) => (await gate, t.read(...a)) : Reflect.get(t, k, t)) });
    },
  };
  const hold = (p: number) => {
    let release!: () => void;
    gates.set(p, new Promise<void>((r) => (release = r)));
    return () => {
      gates.delete(p);
      release();
    };
  };
  return { kv, led, logs, hold };
}

function context(broker: Partial<BrokerServices>, apiVersion: number): HandlerContext {
  const services = { config, topics: { get: () => ({ name: 'x', id: 'id', partitions: 4, internal: false }), getById: () => undefined, list: () => [] }, authorizer: ALLOW_ALL, ...broker } as unknown as BrokerServices;
  return { apiVersion, header: { clientId: 'test' } as HandlerContext['header'], client: testClient(), broker: services, log: silentLogger };
}

function request(name: string, fields: Record<string, unknown>): any {
  const make = (messages as unknown as Record<string, () => object>)[`default${name}Request`];
  return { ...make(), ...fields };
}

async function call(h: Handler, broker: Partial<BrokerServices>, v: number, name: string, fields: Record<string, unknown>): Promise<any> {
  return h.handle(request(name, fields), context(broker, v));
}

/** The error code each group API answers for `group`, as the client reads it. */
async function groupCodes(groups: GroupCoordinator, group: string, txns: TxnCoordinator): Promise<Record<string, number>> {
  const b = { groups, transactions: txns };
  const topics = [{ name: 'x', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }];
  return {
    join: (await call(joinGroup, b, 9, 'JoinGroup', { groupId: group, memberId: 'm', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] })).errorCode,
    sync: (await call(syncGroup, b, 5, 'SyncGroup', { groupId: group, generationId: 1, memberId: 'm' })).errorCode,
    heartbeat: (await call(heartbeat, b, 4, 'Heartbeat', { groupId: group, generationId: 1, memberId: 'm' })).errorCode,
    leave: (await call(leaveGroup, b, 5, 'LeaveGroup', { groupId: group, members: [{ memberId: 'm', groupInstanceId: null, reason: null }] })).errorCode,
    commit: (await call(offsetCommit, b, 9, 'OffsetCommit', { groupId: group, generationIdOrMemberEpoch: -1, memberId: '', topics })).topics[0].partitions[0].errorCode,
    fetchV1: (await call(offsetFetch, b, 1, 'OffsetFetch', { groupId: group, topics: [{ name: 'x', partitionIndexes: [0] }] })).topics[0].partitions[0].errorCode,
    fetchV7: (await call(offsetFetch, b, 7, 'OffsetFetch', { groupId: group, topics: null })).errorCode,
    fetchV8: (await call(offsetFetch, b, 8, 'OffsetFetch', { groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: null }] })).groups[0].errorCode,
    describe: (await call(describeGroups, b, 5, 'DescribeGroups', { groups: [group] })).groups[0].errorCode,
    delete: (await call(deleteGroups, b, 2, 'DeleteGroups', { groupsNames: [group] })).results[0].errorCode,
    offsetDelete: (await call(offsetDelete, b, 0, 'OffsetDelete', { groupId: group, topics: [{ name: 'x', partitions: [{ partitionIndex: 0 }] }] })).errorCode,
    consumerHeartbeat: (await call(consumerGroupHeartbeat, b, 0, 'ConsumerGroupHeartbeat', { groupId: group, memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ['x'], topicPartitions: [] })).errorCode,
    consumerDescribe: (await call(consumerGroupDescribe, b, 0, 'ConsumerGroupDescribe', { groupIds: [group] })).groups[0].errorCode,
    txnOffsetCommit: (await call(txnOffsetCommit, b, 3, 'TxnOffsetCommit', { transactionalId: myTxn, groupId: group, producerId: 1n, producerEpoch: 0, generationId: -1, memberId: '', topics })).topics[0].partitions[0].errorCode,
  };
}

async function coordinators() {
  const offsets = await partitionsOnDisk();
  const state = await partitionsOnDisk();
  const groups = new GroupCoordinator(config, new GroupStore(offsets.kv), silentLogger);
  const written: Array<{ topic: string; partition: number; m: TxnMarker }> = [];
  const txns = new TxnCoordinator(
    config,
    state.kv,
    ProducerIdAllocator.inMemory(),
    { markers: { write: async (topic, partition, m) => void written.push({ topic, partition, m }) }, topicExists: () => true, completeTxnOffsets: async () => undefined },
    silentLogger,
  );
  return { offsets, state, groups, txns, written };
}

describe('group coordinator: per-partition ownership', () => {
  it('answers NOT_COORDINATOR on every group API for a group whose partition it does not lead', async () => {
    const { groups, txns } = await coordinators();
    await groups.onElection(partitionFor(mine, PARTITIONS));
    await txns.onElection(partitionFor(myTxn, PARTITIONS));
    const codes = await groupCodes(groups, theirs, txns);
    expect(codes).toEqual(Object.fromEntries(Object.keys(codes).map((k) => [k, NOT_COORDINATOR])));
    // The group it leads is served (each API's own answer, never NOT_COORDINATOR).
    const served = await groupCodes(groups, mine, txns);
    for (const [api, code] of Object.entries(served)) expect([api, code]).not.toEqual([api, NOT_COORDINATOR]);
    const list = await call(listGroups, { groups }, 5, 'ListGroups', {});
    expect(list.errorCode).toBe(0);
    expect(list.groups.map((g: { groupId: string }) => g.groupId)).not.toContain(theirs);
    groups.close();
    txns.close();
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while the partition loads, then serves it', async () => {
    const { offsets, groups, txns } = await coordinators();
    await groups.load();
    await groups.commit(mine, [{ topic: 'x', partition: 0, offset: 7n, leaderEpoch: -1, metadata: null }]);
    const fresh = new GroupCoordinator(config, new GroupStore(offsets.kv), silentLogger);
    const release = offsets.hold(partitionFor(mine, PARTITIONS));
    const loading = fresh.onElection(partitionFor(mine, PARTITIONS));
    const during = await groupCodes(fresh, mine, txns);
    expect(during.join).toBe(LOAD_IN_PROGRESS);
    expect(during.fetchV8).toBe(LOAD_IN_PROGRESS);
    expect((await call(listGroups, { groups: fresh }, 5, 'ListGroups', {})).errorCode).toBe(LOAD_IN_PROGRESS);
    release();
    await loading;
    expect(fresh.coordinatorError(mine)).toBe(0);
    expect(fresh.offsets(mine).get('x', 0)?.offset).toBe(7n);
    groups.close();
    fresh.close();
  });

  it('electing loads what an earlier leader wrote; resigning drops it (waiting joins answered NOT_COORDINATOR); a new election reloads it', async () => {
    const { offsets, groups: first } = await coordinators();
    await first.load();
    await first.commit(mine, [{ topic: 'x', partition: 0, offset: 42n, leaderEpoch: -1, metadata: null }]);
    await first.commit(theirs, [{ topic: 'x', partition: 1, offset: 9n, leaderEpoch: -1, metadata: null }]);
    first.close();

    const p = partitionFor(mine, PARTITIONS);
    const next = new GroupCoordinator(config, new GroupStore(offsets.kv), silentLogger);
    await next.onElection(p);
    expect(next.offsets(mine).get('x', 0)?.offset).toBe(42n);
    expect(next.offsets(theirs).size).toBe(0); // not its partition: not loaded
    expect(next.coordinatorError(theirs)).toBe(NOT_COORDINATOR);

    // A member waits in JoinGroup (the initial rebalance delay) when leadership moves away.
    const joining = next.join({ groupId: mineToo, memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null, requireKnownMemberId: false, supportsSkipAssignment: false });
    await new Promise((r) => setTimeout(r, 20));
    offsets.led.delete(p);
    await next.onResignation(p);
    expect((await joining).errorCode).toBe(NOT_COORDINATOR);
    expect(next.coordinatorError(mine)).toBe(NOT_COORDINATOR);
    expect(next.offsets(mine).size).toBe(0);
    expect(next.groups.has(mine)).toBe(false);
    // Not the leader: a write through the partition is refused, not written to the log.
    await expect(next.commit(mine, [{ topic: 'x', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }])).rejects.toThrow(/does not lead/);

    offsets.led.add(p);
    await next.onElection(p);
    expect(next.coordinatorError(mine)).toBe(0);
    expect(next.offsets(mine).get('x', 0)?.offset).toBe(42n);
    next.close();
  });
});

describe('transaction coordinator: per-partition ownership', () => {
  it('answers NOT_COORDINATOR for transactional ids of partitions led elsewhere; resign drops and re-election reloads them', async () => {
    const { state, groups, txns } = await coordinators();
    const p = partitionFor(myTxn, PARTITIONS);
    await txns.onElection(p);
    const b = { groups, transactions: txns };
    const mineInit = await call(initProducerId, b, 4, 'InitProducerId', { transactionalId: myTxn, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    expect(mineInit.errorCode).toBe(0);

    const other = { transactionalId: theirTxn, producerId: 5n, producerEpoch: 0 };
    expect((await call(initProducerId, b, 4, 'InitProducerId', { transactionalId: theirTxn, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })).errorCode).toBe(NOT_COORDINATOR);
    expect((await call(addPartitionsToTxn, b, 3, 'AddPartitionsToTxn', { v3AndBelowTransactionalId: theirTxn, v3AndBelowProducerId: 5n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'x', partitions: [0, 1] }] })).resultsByTopicV3AndBelow[0].resultsByPartition.map((r: { partitionErrorCode: number }) => r.partitionErrorCode)).toEqual([NOT_COORDINATOR, NOT_COORDINATOR]);
    const v4 = await call(addPartitionsToTxn, b, 4, 'AddPartitionsToTxn', { transactions: [{ ...other, verifyOnly: false, topics: [{ name: 'x', partitions: [0] }] }] });
    expect(v4.resultsByTransaction[0].topicResults[0].resultsByPartition[0].partitionErrorCode).toBe(NOT_COORDINATOR);
    expect((await call(addOffsetsToTxn, b, 3, 'AddOffsetsToTxn', { ...other, groupId: 'g' })).errorCode).toBe(NOT_COORDINATOR);
    expect((await call(endTxn, b, 3, 'EndTxn', { ...other, committed: true })).errorCode).toBe(NOT_COORDINATOR);
    expect((await call(describeTransactions, b, 0, 'DescribeTransactions', { transactionalIds: [theirTxn, myTxn] })).transactionStates.map((t: { errorCode: number }) => t.errorCode)).toEqual([NOT_COORDINATOR, 0]);
    expect((await call(listTransactions, b, 1, 'ListTransactions', {})).transactionStates.map((t: { transactionalId: string }) => t.transactionalId)).toEqual([myTxn]);

    state.led.delete(p);
    await txns.onResignation(p);
    expect(txns.coordinatorError(myTxn)).toBe(NOT_COORDINATOR);
    expect(txns.txns.has(myTxn)).toBe(false);
    expect((await call(endTxn, b, 3, 'EndTxn', { transactionalId: myTxn, producerId: mineInit.producerId, producerEpoch: 0, committed: false })).errorCode).toBe(NOT_COORDINATOR);

    state.led.add(p);
    await txns.onElection(p);
    expect(txns.txns.get(myTxn)?.producerId).toBe(mineInit.producerId);
    txns.close();
    groups.close();
  });

  it("markers carry the leader epoch of the coordinator's partition and go through the marker sender", async () => {
    const { groups, txns, written } = await coordinators();
    const p = partitionFor(myTxn, PARTITIONS);
    await txns.onElection(p, 7);
    const init = await txns.initProducer(myTxn, 60_000);
    await txns.addPartitions(myTxn, init.producerId, init.producerEpoch, [{ topic: 'x', partition: 3 }]);
    expect((await txns.endTxn(myTxn, init.producerId, init.producerEpoch, true)).errorCode).toBe(0);
    expect(written).toEqual([{ topic: 'x', partition: 3, m: { producerId: init.producerId, producerEpoch: init.producerEpoch, commit: true, coordinatorEpoch: 7, transactionVersion: 0 } }]);
    txns.close();
    groups.close();
  });

  it('the marker sender writes through the local handle when led here and sends to the leader otherwise', async () => {
    const log = await newLog(await tempDir());
    const remote: string[] = [];
    const send = markerSender((t) => (t === 'here' ? new LogPartition(log) : undefined), { write: async (t, p) => void remote.push(`${t}-${p}`) });
    const m = { producerId: 9n, producerEpoch: 0, commit: false, coordinatorEpoch: 0, transactionVersion: 0 };
    await send.write('here', 0, m);
    await send.write('there', 2, m);
    expect(log.highWatermark).toBe(1);
    expect(remote).toEqual(['there-2']);
  });
});

describe('coordinator topics in a cluster', () => {
  it('are created on demand with their replication factor, and refused while fewer brokers are alive', async () => {
    const created: Array<{ name: string; replicas: number[][] }> = [];
    let brokers = [1];
    const image = () => new MetadataImage('c', 1, new Map(brokers.map((id) => [id, { id, endpoints: [], rack: null }])), new Map(), { finalized: {}, supported: {} } as never);
    const topics = {
      get: (n: string) => (created.some((c) => c.name === n) ? { name: n, id: 'x', partitions: 3, internal: true, configs: {} } : undefined),
      createNew: async (name: string, _p: number, _c?: Record<string, string>, replicas?: number[][]) => {
        created.push({ name, replicas: replicas! });
        return { name, id: 'x', partitions: 3, internal: true, configs: {} };
      },
    };
    const ct = new CoordinatorTopics({ topics, image, settings: () => ({ partitions: 3, replicationFactor: 2, configs: {} }), log: silentLogger });
    expect(await ct.ensure('__consumer_offsets')).toBe(15);
    expect(created).toEqual([]);
    brokers = [1, 2, 3];
    expect(await ct.ensure('__consumer_offsets')).toBe(15); // created now; the client asks again
    expect(created).toEqual([{ name: '__consumer_offsets', replicas: [[1, 2], [2, 3], [3, 1]] }]);
    expect(await ct.ensure('__consumer_offsets')).toBe(0);
  });
});

describe('FindCoordinator', () => {
  it("names the leader of the id's partition; without the topic it asks for it to be created and answers COORDINATOR_NOT_AVAILABLE", async () => {
    const brokers = new Map([1, 2].map((id) => [id, { id, endpoints: [{ listener: 'PLAINTEXT', host: `b${id}`, port: 9000 + id }], rack: null }]));
    const offsetsTopic = topicImage({ name: '__consumer_offsets', id: 'o', configs: {} }, [{ ...newPartition(0, [2, 1]), leader: 2 }, { ...newPartition(1, [1, 2]), leader: -1 }]);
    let topics = new Map<string, ReturnType<typeof topicImage>>();
    const metadata = { image: () => new MetadataImage('c', 1, brokers, topics, { finalized: {}, supported: {} } as never), apply: async () => metadata.image() };
    const asked: string[] = [];
    const coordinatorTopics = { ensure: async (t: string) => (asked.push(t), 15) };
    const find = async (key: string) => (await call(findCoordinator, { metadata, coordinatorTopics } as never, 4, 'FindCoordinator', { keyType: 0, coordinatorKeys: [key] })).coordinators[0];
    expect(await find(mine)).toMatchObject({ errorCode: 15, nodeId: -1 });
    expect(asked).toEqual(['__consumer_offsets']);
    topics = new Map([['__consumer_offsets', offsetsTopic]]);
    const [in0, , in1] = idsIn('g');
    expect(await find(in0)).toMatchObject({ errorCode: 0, nodeId: 2, host: 'b2', port: 9002 });
    expect(await find(in1)).toMatchObject({ errorCode: 15, nodeId: -1 }); // no leader
    expect(asked).toEqual(['__consumer_offsets']);
  });
});
