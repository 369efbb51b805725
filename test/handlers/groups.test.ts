import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;
const FIND_COORDINATOR = 10;
const JOIN = 11;
const HEARTBEAT = 12;
const LEAVE = 13;
const SYNC = 14;
const DESCRIBE_GROUPS = 15;
const LIST_GROUPS = 16;
const DELETE_GROUPS = 42;

const proto = (name = 'range', meta = 'm') => [{ name, metadata: Buffer.from(meta) }];
const joinBody = (groupId: string, memberId = '', extra: Record<string, unknown> = {}) => ({
  groupId,
  sessionTimeoutMs: 6000,
  rebalanceTimeoutMs: 3000,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: proto(),
  reason: null,
  ...extra,
});

let broker: Broker;
let dataDir: string;
beforeAll(async () => {
  // An explicit data directory: the restart test needs the data to outlive close().
  dataDir = await mkdtemp(join(tmpdir(), 'runnel-groups-'));
  broker = await startBroker({ port: 0, dataDir, config: { 'num.partitions': 3, 'group.min.session.timeout.ms': 100 } });
});
afterAll(async () => {
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function joinFully(w: KafkaWire, group: string, v = 7, extra: Record<string, unknown> = {}) {
  const first = await w.request(JOIN, v, joinBody(group, '', extra));
  if (first.errorCode === 79) return w.request(JOIN, v, joinBody(group, first.memberId, extra));
  return first;
}

describe('classic group protocol', () => {
  it('FindCoordinator names this broker for groups, one key (v0-v3) and batched (v4+)', async () => {
    const w = await KafkaWire.connect(broker.port);
    const one = await w.request(FIND_COORDINATOR, 3, { key: 'g', keyType: 0, coordinatorKeys: [] });
    expect([one.errorCode, one.nodeId, one.port]).toEqual([0, broker.nodeId, broker.port]);
    const many = await w.request(FIND_COORDINATOR, 6, { key: '', keyType: 0, coordinatorKeys: ['a', 'b', ''] });
    expect(many.coordinators.map((c: any) => c.errorCode)).toEqual([0, 0, 42]);
    await w.close();
  });

  it('v4+ joins need a member id first; one member becomes leader, syncs and heartbeats', async () => {
    const w = await KafkaWire.connect(broker.port);
    const first = await w.request(JOIN, 5, joinBody('g1'));
    expect(first.errorCode).toBe(79); // MEMBER_ID_REQUIRED
    expect(first.memberId).toMatch(/^kafka-wire-/);
    const joined = await w.request(JOIN, 5, joinBody('g1', first.memberId));
    expect(joined.errorCode).toBe(0);
    expect(joined.leader).toBe(first.memberId);
    expect(joined.generationId).toBe(1);
    expect(joined.members.length).toBe(1);
    const sync = await w.request(SYNC, 3, { groupId: 'g1', generationId: 1, memberId: first.memberId, groupInstanceId: null, assignments: [{ memberId: first.memberId, assignment: Buffer.from('all') }] });
    expect(sync.errorCode).toBe(0);
    expect(sync.assignment.toString()).toBe('all');
    expect((await w.request(HEARTBEAT, 3, { groupId: 'g1', generationId: 1, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(0);
    expect((await w.request(HEARTBEAT, 3, { groupId: 'g1', generationId: 9, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(22);
    expect((await w.request(HEARTBEAT, 3, { groupId: 'g1', generationId: 1, memberId: 'nobody', groupInstanceId: null })).errorCode).toBe(25);
    const described = await w.request(DESCRIBE_GROUPS, 5, { groups: ['g1', 'nope'], includeAuthorizedOperations: false });
    expect(described.groups[0].groupState).toBe('Stable');
    expect(described.groups[0].members[0].memberAssignment.toString()).toBe('all');
    // IPv4 clients on a dual-stack socket are shown as Kafka shows them, not as ::ffff:127.0.0.1.
    expect(described.groups[0].members[0].clientHost).toBe('/127.0.0.1');
    expect(described.groups[1].groupState).toBe('Dead');
    const leave = await w.request(LEAVE, 4, { groupId: 'g1', memberId: '', members: [{ memberId: first.memberId, groupInstanceId: null }] });
    expect(leave.members[0].errorCode).toBe(0);
    const after = await w.request(DESCRIBE_GROUPS, 5, { groups: ['g1'], includeAuthorizedOperations: false });
    expect(after.groups[0].groupState).toBe('Empty');
    await w.close();
  });

  it('a second member triggers a rebalance; both get the new generation; the leader hands out assignments', async () => {
    const a = await KafkaWire.connect(broker.port);
    const b = await KafkaWire.connect(broker.port);
    const ja = await joinFully(a, 'g2');
    const syncA = await a.request(SYNC, 3, { groupId: 'g2', generationId: ja.generationId, memberId: ja.memberId, groupInstanceId: null, assignments: [{ memberId: ja.memberId, assignment: Buffer.from('a-all') }] });
    expect(syncA.errorCode).toBe(0);
    // b joins: a learns of the rebalance through its heartbeat and rejoins.
    const jbPromise = joinFully(b, 'g2');
    await new Promise((r) => setTimeout(r, 50));
    expect((await a.request(HEARTBEAT, 3, { groupId: 'g2', generationId: ja.generationId, memberId: ja.memberId, groupInstanceId: null })).errorCode).toBe(27);
    const [ja2, jb] = await Promise.all([a.request(JOIN, 7, joinBody('g2', ja.memberId)), jbPromise]);
    expect(ja2.generationId).toBe(jb.generationId);
    expect(ja2.generationId).toBe(ja.generationId + 1);
    const leader = ja2.leader === ja.memberId ? a : b;
    const leaderJoin = ja2.leader === ja.memberId ? ja2 : jb;
    expect(leaderJoin.members.length).toBe(2);
    const assignments = [{ memberId: ja.memberId, assignment: Buffer.from('to-a') }, { memberId: jb.memberId, assignment: Buffer.from('to-b') }];
    const other = leader === a ? b : a;
    const otherJoin = leader === a ? jb : ja2;
    const [s1, s2] = await Promise.all([
      other.request(SYNC, 3, { groupId: 'g2', generationId: otherJoin.generationId, memberId: otherJoin.memberId, groupInstanceId: null, assignments: [] }),
      leader.request(SYNC, 3, { groupId: 'g2', generationId: leaderJoin.generationId, memberId: leaderJoin.memberId, groupInstanceId: null, assignments }),
    ]);
    expect([s1.errorCode, s2.errorCode]).toEqual([0, 0]);
    expect(new Set([s1.assignment.toString(), s2.assignment.toString()])).toEqual(new Set(['to-a', 'to-b']));
    await a.close();
    await b.close();
  });

  it('a member whose session expires is removed and the group rebalances without it', async () => {
    const a = await KafkaWire.connect(broker.port);
    const ja = await joinFully(a, 'g3', 7, { sessionTimeoutMs: 300 });
    await a.request(SYNC, 3, { groupId: 'g3', generationId: ja.generationId, memberId: ja.memberId, groupInstanceId: null, assignments: [] });
    await new Promise((r) => setTimeout(r, 700));
    const d = await a.request(DESCRIBE_GROUPS, 5, { groups: ['g3'], includeAuthorizedOperations: false });
    expect(d.groups[0].members.length).toBe(0);
    expect(d.groups[0].groupState).toBe('Empty');
    expect((await a.request(HEARTBEAT, 3, { groupId: 'g3', generationId: ja.generationId, memberId: ja.memberId, groupInstanceId: null })).errorCode).toBe(25);
    await a.close();
  });

  it('inconsistent protocols are refused; static members are fenced by instance id', async () => {
    const a = await KafkaWire.connect(broker.port);
    const ja = await joinFully(a, 'g4');
    const bad = await a.request(JOIN, 7, joinBody('g4', '', { protocols: proto('other') }));
    expect(bad.errorCode).toBe(23);
    const wrongType = await a.request(JOIN, 7, joinBody('g4', '', { protocolType: 'connect' }));
    expect(wrongType.errorCode).toBe(23);
    await a.request(LEAVE, 4, { groupId: 'g4', memberId: '', members: [{ memberId: ja.memberId, groupInstanceId: null }] });
    const s1 = await a.request(JOIN, 7, joinBody('g5', '', { groupInstanceId: 'i-1' }));
    expect(s1.errorCode).toBe(0); // static members skip MEMBER_ID_REQUIRED
    await a.request(SYNC, 3, { groupId: 'g5', generationId: s1.generationId, memberId: s1.memberId, groupInstanceId: 'i-1', assignments: [] });
    const s2 = await a.request(JOIN, 7, joinBody('g5', '', { groupInstanceId: 'i-1' }));
    expect(s2.errorCode).toBe(0);
    expect(s2.memberId).not.toBe(s1.memberId);
    expect(s2.generationId).toBe(s1.generationId); // no rebalance for a static rejoin with the same protocols
    expect((await a.request(HEARTBEAT, 3, { groupId: 'g5', generationId: s1.generationId, memberId: s1.memberId, groupInstanceId: 'i-1' })).errorCode).toBe(82);
    await a.close();
  });
});

describe('committed offsets', () => {
  it('commits and fetches offsets with metadata, checks membership, and survives a restart', async () => {
    const w = await KafkaWire.connect(broker.port);
    await w.request(3, 9, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'offsets-topic' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const commit = (group: string, generation: number, memberId: string, offset: bigint, v = 8) =>
      w.request(OFFSET_COMMIT, v, {
        groupId: group,
        generationIdOrMemberEpoch: generation,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: 'offsets-topic', partitions: [{ partitionIndex: 1, committedOffset: offset, committedLeaderEpoch: 0, commitTimestamp: -1n, committedMetadata: 'meta-ö' }, { partitionIndex: 99, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
      });
    const simple = await commit('simple-group', -1, '', 42n);
    expect(simple.topics[0].partitions.map((p: any) => p.errorCode)).toEqual([0, 3]);
    const fetched = await w.request(OFFSET_FETCH, 7, { groupId: 'simple-group', topics: [{ name: 'offsets-topic', partitionIndexes: [0, 1] }], groups: [], requireStable: false });
    expect(fetched.topics[0].partitions.map((p: any) => [p.committedOffset, p.metadata])).toEqual([[-1n, ''], [42n, 'meta-ö']]);
    const all = await w.request(OFFSET_FETCH, 8, { groupId: '', topics: null, groups: [{ groupId: 'simple-group', memberId: null, memberEpoch: -1, topics: null }, { groupId: 'unknown-group', memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
    expect(all.groups[0].topics[0].partitions[0].committedOffset).toBe(42n);
    expect(all.groups[1].topics).toEqual([]);
    // A member commit with a wrong generation is refused.
    const j = await joinFully(w, 'member-group');
    await w.request(SYNC, 3, { groupId: 'member-group', generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments: [] });
    expect((await commit('member-group', j.generationId + 1, j.memberId, 5n)).topics[0].partitions[0].errorCode).toBe(22);
    expect((await commit('member-group', j.generationId, 'someone-else', 5n)).topics[0].partitions[0].errorCode).toBe(25);
    expect((await commit('member-group', j.generationId, j.memberId, 7n)).topics[0].partitions[0].errorCode).toBe(0);
    await w.close();

    // Restart on the same data directory: the commits and the group are still there.
    const port = broker.port;
    await broker.close();
    broker = await startBroker({ port, dataDir, config: { 'num.partitions': 3, 'group.min.session.timeout.ms': 100 } });
    const w2 = await KafkaWire.connect(broker.port);
    const again = await w2.request(OFFSET_FETCH, 7, { groupId: 'simple-group', topics: [{ name: 'offsets-topic', partitionIndexes: [1] }], groups: [], requireStable: false });
    expect(again.topics[0].partitions[0].committedOffset).toBe(42n);
    const memberOffsets = await w2.request(OFFSET_FETCH, 7, { groupId: 'member-group', topics: null, groups: [], requireStable: false });
    expect(memberOffsets.topics[0].partitions[0].committedOffset).toBe(7n);
    const d = await w2.request(DESCRIBE_GROUPS, 5, { groups: ['member-group'], includeAuthorizedOperations: false });
    expect(d.groups[0].members.map((m: any) => m.memberId)).toEqual([j.memberId]);
    // The member goes on heartbeating in its generation.
    expect((await w2.request(HEARTBEAT, 3, { groupId: 'member-group', generationId: j.generationId, memberId: j.memberId, groupInstanceId: null })).errorCode).toBe(0);
    const listed = await w2.request(LIST_GROUPS, 4, { statesFilter: ['stable'], typesFilter: [] });
    expect(listed.groups.map((g: any) => g.groupId)).toContain('member-group');
    expect(listed.groups.map((g: any) => g.groupId)).not.toContain('simple-group');
    const del = await w2.request(DELETE_GROUPS, 2, { groupsNames: ['simple-group', 'member-group', 'never-was'] });
    expect(del.results.map((r: any) => r.errorCode)).toEqual([0, 68, 69]);
    const gone = await w2.request(OFFSET_FETCH, 7, { groupId: 'simple-group', topics: null, groups: [], requireStable: false });
    expect(gone.topics).toEqual([]);
    await w2.close();
  });
});
