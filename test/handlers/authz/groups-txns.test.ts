/**
 * Kafka's authorization table for the group and transaction APIs, with a fake Authorizer that
 * denies by table: GROUP / TOPIC / TRANSACTIONAL_ID / CLUSTER_AUTHORIZATION_FAILED where Kafka
 * puts them, and the groups' authorized-operations bits.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { startBroker, type Broker } from '../../../src/broker.js';
import { KafkaWire, clientHost } from '../../helpers/kafka-wire.js';
import { createTopic } from '../../helpers/admin-wire.js';
import { AclOp, ResourceType } from '../../../src/ports/authorizer.js';
import { allowAll, denying } from '../../helpers/table-authorizer.js';

vi.mock('../../../src/server/dispatch.js', async (orig) => (await import('../../helpers/table-authorizer.js')).withTableAuthorizer(await orig()));

const TOPIC_AUTHZ = 29;
const GROUP_AUTHZ = 30;
const CLUSTER_AUTHZ = 31;
const TXN_AUTHZ = 53;
const UNKNOWN_TOPIC = 3;
const NOT_ATTEMPTED = 55;
const MIN_INT = -2147483648;
const bit = (op: number) => 1 << op;

let broker: Broker;
let c: KafkaWire;

beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory', config: { 'num.partitions': 1 } });
  c = await KafkaWire.connect(broker.port, clientHost(broker.host));
  for (const name of ['open', 'secret']) await createTopic(c, { name });
  // Two groups with committed offsets on both topics.
  for (const groupId of ['g-open', 'g-secret'])
    await c.request(8, 8, { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: ['open', 'secret'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: '' }] })) });
});

afterAll(async () => {
  await c?.close();
  await broker?.close();
});

afterEach(allowAll);

const commitBody = (groupId: string, topics: string[]) => ({
  groupId,
  generationIdOrMemberEpoch: -1,
  memberId: '',
  groupInstanceId: null,
  topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' }] })),
});
const partitionCodes = (topics: any[]) => Object.fromEntries(topics.map((t: any) => [t.name, t.partitions[0].errorCode]));

describe('group membership and offsets', () => {
  it('JoinGroup, SyncGroup, Heartbeat, LeaveGroup need READ on the group (top-level GROUP_AUTHORIZATION_FAILED)', async () => {
    denying().deny(AclOp.READ, ResourceType.GROUP, 'g-denied');
    const join = await c.request(11, 5, { groupId: 'g-denied', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    expect(join.errorCode).toBe(GROUP_AUTHZ);
    expect((await c.request(14, 3, { groupId: 'g-denied', generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] })).errorCode).toBe(GROUP_AUTHZ);
    expect((await c.request(12, 3, { groupId: 'g-denied', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode).toBe(GROUP_AUTHZ);
    expect((await c.request(13, 3, { groupId: 'g-denied', members: [{ memberId: 'm', groupInstanceId: null }] })).errorCode).toBe(GROUP_AUTHZ);
  });

  it('OffsetCommit: READ on the group (every partition), then READ on each topic (its partitions, before existence)', async () => {
    denying().deny(AclOp.READ, ResourceType.GROUP, 'g-secret');
    expect(partitionCodes((await c.request(8, 8, commitBody('g-secret', ['open', 'secret']))).topics)).toEqual({ open: GROUP_AUTHZ, secret: GROUP_AUTHZ });
    denying().deny(AclOp.READ, ResourceType.TOPIC, 'secret').deny(AclOp.READ, ResourceType.TOPIC, 'ghost');
    expect(partitionCodes((await c.request(8, 8, commitBody('g-open', ['open', 'secret', 'ghost', 'nowhere']))).topics)).toEqual({ open: 0, secret: TOPIC_AUTHZ, ghost: TOPIC_AUTHZ, nowhere: UNKNOWN_TOPIC });
  });

  it('OffsetFetch: DESCRIBE on the group (per group v8, top level v2+); topics without DESCRIBE refused when named, left out of "all"', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.GROUP, 'g-secret').deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    const v8 = await c.request(9, 8, {
      groups: [
        { groupId: 'g-secret', topics: null },
        { groupId: 'g-open', topics: null },
        { groupId: 'g-open', topics: [{ name: 'secret', partitionIndexes: [0] }] },
      ],
      requireStable: false,
    });
    expect(v8.groups.map((g: any) => g.errorCode)).toEqual([GROUP_AUTHZ, 0, 0]);
    expect(v8.groups[1].topics.map((t: any) => t.name)).toEqual(['open']);
    expect(v8.groups[2].topics[0].partitions[0].errorCode).toBe(TOPIC_AUTHZ);
    expect((await c.request(9, 5, { groupId: 'g-secret', topics: null, requireStable: false })).errorCode).toBe(GROUP_AUTHZ);
    const v1 = await c.request(9, 1, { groupId: 'g-secret', topics: [{ name: 'open', partitionIndexes: [0] }] });
    expect(v1.topics[0].partitions[0].errorCode).toBe(GROUP_AUTHZ);
  });

  it('OffsetDelete: DELETE on the group at the top level, READ on each topic per partition', async () => {
    denying().deny(AclOp.DELETE, ResourceType.GROUP, 'g-secret');
    expect((await c.request(47, 0, { groupId: 'g-secret', topics: [{ name: 'open', partitions: [{ partitionIndex: 0 }] }] })).errorCode).toBe(GROUP_AUTHZ);
    denying().deny(AclOp.READ, ResourceType.TOPIC, 'secret');
    const res = await c.request(47, 0, { groupId: 'g-open', topics: ['secret', 'nowhere'].map((name) => ({ name, partitions: [{ partitionIndex: 0 }] })) });
    expect([res.errorCode, partitionCodes(res.topics)]).toEqual([0, { secret: TOPIC_AUTHZ, nowhere: UNKNOWN_TOPIC }]);
  });

  it('FindCoordinator: DESCRIBE on the group or the transactional id', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.GROUP, 'g-secret').deny(AclOp.DESCRIBE, ResourceType.TRANSACTIONAL_ID, 'tx-secret');
    const groups = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['g-open', 'g-secret'] });
    expect(groups.coordinators.map((k: any) => k.errorCode)).toEqual([0, GROUP_AUTHZ]);
    expect((await c.request(10, 3, { keyType: 1, key: 'tx-secret' })).errorCode).toBe(TXN_AUTHZ);
  });
});

describe('group administration', () => {
  it('DescribeGroups: DESCRIBE per group, and the group bits the authorizer allows', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.GROUP, 'g-secret').deny(AclOp.DELETE, ResourceType.GROUP, 'g-open');
    const res = await c.request(15, 5, { groups: ['g-open', 'g-secret'], includeAuthorizedOperations: true });
    expect(res.groups.map((g: any) => [g.groupId, g.errorCode])).toEqual([
      ['g-open', 0],
      ['g-secret', GROUP_AUTHZ],
    ]);
    expect(res.groups[0].authorizedOperations).toBe(bit(AclOp.READ) | bit(AclOp.DESCRIBE));
    expect(res.groups[1].authorizedOperations).toBe(MIN_INT);
  });

  it('ListGroups: only groups with DESCRIBE, unless DESCRIBE on the cluster', async () => {
    denying().deny(AclOp.DESCRIBE, ResourceType.GROUP, 'g-secret').deny(AclOp.DESCRIBE, ResourceType.CLUSTER);
    const ids = (await c.request(16, 4, { statesFilter: [] })).groups.map((g: any) => g.groupId);
    expect(ids).toContain('g-open');
    expect(ids).not.toContain('g-secret');
    denying().deny(AclOp.DESCRIBE, ResourceType.GROUP, 'g-secret');
    expect((await c.request(16, 4, { statesFilter: [] })).groups.map((g: any) => g.groupId)).toContain('g-secret');
  });

  it('DeleteGroups: DELETE per group', async () => {
    denying().deny(AclOp.DELETE, ResourceType.GROUP, 'g-secret');
    const res = await c.request(42, 2, { groupsNames: ['g-secret'] });
    expect(res.results[0].errorCode).toBe(GROUP_AUTHZ);
  });

  it('ConsumerGroupHeartbeat: READ on the group, then DESCRIBE on every subscribed topic', async () => {
    denying().deny(AclOp.READ, ResourceType.GROUP, 'cg-denied').deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    const body = (groupId: string, topics: string[]) => ({ groupId, memberId: 'm1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, serverAssignor: null, topicPartitions: [] });
    expect((await c.request(68, 0, body('cg-denied', ['open']))).errorCode).toBe(GROUP_AUTHZ);
    expect((await c.request(68, 0, body('cg-ok', ['open', 'secret']))).errorCode).toBe(TOPIC_AUTHZ);
    const joined = await c.request(68, 0, body('cg-ok', ['open']));
    expect(joined.errorCode).toBe(0);
  });

  it('ConsumerGroupDescribe: DESCRIBE per group; a group assigned a topic the client may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED', async () => {
    allowAll();
    const hb = { groupId: 'cg-desc', memberId: 'm1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['secret'], serverAssignor: null, topicPartitions: [] };
    expect((await c.request(68, 0, hb)).errorCode).toBe(0);
    denying().deny(AclOp.DESCRIBE, ResourceType.GROUP, 'cg-hidden');
    const ok = await c.request(69, 0, { groupIds: ['cg-desc', 'cg-hidden'], includeAuthorizedOperations: true });
    expect(ok.groups.map((g: any) => g.errorCode)).toEqual([0, GROUP_AUTHZ]);
    expect(ok.groups[0].authorizedOperations).toBe(bit(AclOp.READ) | bit(AclOp.DESCRIBE) | bit(AclOp.DELETE));
    denying().deny(AclOp.DESCRIBE, ResourceType.TOPIC, 'secret');
    const hidden = await c.request(69, 0, { groupIds: ['cg-desc'], includeAuthorizedOperations: true });
    expect([hidden.groups[0].errorCode, hidden.groups[0].members]).toEqual([TOPIC_AUTHZ, []]);
  });
});

describe('transactions', () => {
  it('InitProducerId: WRITE on the transactional id; idempotent: IDEMPOTENT_WRITE on the cluster or WRITE on some topic', async () => {
    const init = (transactionalId: string | null) => c.request(22, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    denying().deny(AclOp.WRITE, ResourceType.TRANSACTIONAL_ID, 'tx-secret');
    expect((await init('tx-secret')).errorCode).toBe(TXN_AUTHZ);
    denying().deny(AclOp.IDEMPOTENT_WRITE, ResourceType.CLUSTER);
    expect((await init(null)).errorCode).toBe(0);
    denying().deny(AclOp.IDEMPOTENT_WRITE, ResourceType.CLUSTER).deny(AclOp.WRITE, ResourceType.TOPIC);
    const refused = await init(null);
    expect([refused.errorCode, refused.producerId]).toEqual([CLUSTER_AUTHZ, -1n]);
  });

  it('AddPartitionsToTxn: WRITE on the id (every partition), then WRITE on each topic (the rest OPERATION_NOT_ATTEMPTED); v4 needs CLUSTER_ACTION', async () => {
    const add = (id: string, topics: string[]) => c.request(24, 3, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: topics.map((name) => ({ name, partitions: [0] })) });
    const codes = (res: any) => Object.fromEntries(res.resultsByTopicV3AndBelow.map((t: any) => [t.name, t.resultsByPartition[0].partitionErrorCode]));
    denying().deny(AclOp.WRITE, ResourceType.TRANSACTIONAL_ID, 'tx-secret');
    expect(codes(await add('tx-secret', ['open']))).toEqual({ open: TXN_AUTHZ });
    denying().deny(AclOp.WRITE, ResourceType.TOPIC, 'secret');
    expect(codes(await add('tx-1', ['open', 'secret', 'nowhere', '__consumer_offsets']))).toEqual({ open: NOT_ATTEMPTED, secret: TOPIC_AUTHZ, nowhere: UNKNOWN_TOPIC, __consumer_offsets: TOPIC_AUTHZ });
    denying().deny(AclOp.CLUSTER_ACTION, ResourceType.CLUSTER);
    expect((await c.request(24, 4, { transactions: [] })).errorCode).toBe(CLUSTER_AUTHZ);
  });

  it('AddOffsetsToTxn, EndTxn, TxnOffsetCommit: WRITE on the id, then READ on the group and topics', async () => {
    denying().deny(AclOp.WRITE, ResourceType.TRANSACTIONAL_ID, 'tx-secret').deny(AclOp.READ, ResourceType.GROUP, 'g-secret').deny(AclOp.READ, ResourceType.TOPIC, 'secret');
    const addOffsets = (transactionalId: string, groupId: string) => c.request(25, 3, { transactionalId, producerId: 1n, producerEpoch: 0, groupId });
    expect((await addOffsets('tx-secret', 'g-secret')).errorCode).toBe(TXN_AUTHZ);
    expect((await addOffsets('tx-1', 'g-secret')).errorCode).toBe(GROUP_AUTHZ);
    expect((await c.request(26, 3, { transactionalId: 'tx-secret', producerId: 1n, producerEpoch: 0, committed: true })).errorCode).toBe(TXN_AUTHZ);
    const txnCommit = (transactionalId: string, groupId: string, topics: string[]) =>
      c.request(28, 3, { transactionalId, groupId, producerId: 1n, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' }] })) });
    expect(partitionCodes((await txnCommit('tx-secret', 'g-open', ['open'])).topics)).toEqual({ open: TXN_AUTHZ });
    expect(partitionCodes((await txnCommit('tx-1', 'g-secret', ['open'])).topics)).toEqual({ open: GROUP_AUTHZ });
    expect(partitionCodes((await txnCommit('tx-1', 'g-open', ['open', 'secret'])).topics).secret).toBe(TOPIC_AUTHZ);
  });

  it('WriteTxnMarkers needs CLUSTER_ACTION: every partition CLUSTER_AUTHORIZATION_FAILED', async () => {
    denying().deny(AclOp.CLUSTER_ACTION, ResourceType.CLUSTER);
    const res = await c.request(27, 1, { markers: [{ producerId: 1n, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: 'open', partitionIndexes: [0] }] }] });
    expect(res.markers[0].topics[0].partitions[0].errorCode).toBe(CLUSTER_AUTHZ);
  });

  it('DescribeTransactions: DESCRIBE per id; ListTransactions lists only ids with DESCRIBE', async () => {
    allowAll();
    const init = await c.request(22, 4, { transactionalId: 'tx-listed', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    denying().deny(AclOp.DESCRIBE, ResourceType.TRANSACTIONAL_ID, 'tx-listed');
    expect((await c.request(65, 0, { transactionalIds: ['tx-listed'] })).transactionStates[0].errorCode).toBe(TXN_AUTHZ);
    expect((await c.request(66, 0, { stateFilters: [], producerIdFilters: [] })).transactionStates.map((t: any) => t.transactionalId)).not.toContain('tx-listed');
    allowAll();
    expect((await c.request(66, 0, { stateFilters: [], producerIdFilters: [] })).transactionStates.map((t: any) => t.transactionalId)).toContain('tx-listed');
  });
});
