/**
 * Offsets and group kinds with the consumer group protocol (KIP-848): OffsetCommit v9 and
 * OffsetFetch v9 check the member epoch instead of the generation; a group id is either a classic
 * or a consumer group; DeleteGroups and OffsetDelete respect the members.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { API, E, Member, createTopic, describeGroup, type MemberOptions } from '../helpers/consumer-group.js';

let broker: Broker;
let admin: KafkaWire;
const members: Member[] = [];
const member = async (group: string, opts: MemberOptions = {}) => {
  const m = await Member.connect(broker.port, group, { topics: ['offsets'], ...opts });
  members.push(m);
  return m;
};

const commit = (groupId: string, memberId: string, epoch: number, offset: bigint, version = 9, partition = 0) =>
  admin.request(API.OFFSET_COMMIT, version, {
    groupId,
    generationIdOrMemberEpoch: epoch,
    memberId,
    groupInstanceId: null,
    topics: [{ name: 'offsets', partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
const commitCode = async (...args: Parameters<typeof commit>) => (await commit(...args)).topics[0].partitions[0].errorCode;
const fetchGroup = async (groupId: string, memberId: string | null, memberEpoch: number) =>
  (await admin.request(API.OFFSET_FETCH, 9, { groups: [{ groupId, memberId, memberEpoch, topics: [{ name: 'offsets', partitionIndexes: [0, 1] }] }], requireStable: false })).groups[0];
const joinClassic = (groupId: string, protocolType = 'consumer') =>
  admin.request(API.JOIN_GROUP, 5, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType, protocols: [{ name: 'range', metadata: Buffer.from('m') }], reason: null });

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  admin = await KafkaWire.connect(broker.port);
  await createTopic(admin, 'offsets', 2);
});
afterAll(async () => {
  for (const m of members) await m.close();
  await admin?.close();
  await broker?.close();
});

describe('OffsetCommit and OffsetFetch with member epochs', () => {
  it('a member commits with its epoch; a stale epoch is STALE_MEMBER_EPOCH, a stranger UNKNOWN_MEMBER_ID, v8 UNSUPPORTED_VERSION', async () => {
    const a = await member('g-commit');
    await a.join();
    expect(await commitCode('g-commit', a.memberId, a.epoch, 42n)).toBe(E.NONE);
    expect(await commitCode('g-commit', a.memberId, a.epoch + 1, 43n)).toBe(E.STALE_MEMBER_EPOCH);
    expect(await commitCode('g-commit', a.memberId, 0, 43n)).toBe(E.STALE_MEMBER_EPOCH);
    expect(await commitCode('g-commit', 'someone', a.epoch, 43n)).toBe(E.UNKNOWN_MEMBER_ID);
    expect(await commitCode('g-commit', '', -1, 43n)).toBe(E.UNKNOWN_MEMBER_ID); // admin commits only into an empty group
    expect(await commitCode('g-commit', a.memberId, a.epoch, 43n, 8)).toBe(E.UNSUPPORTED_VERSION);

    const fetched = await fetchGroup('g-commit', a.memberId, a.epoch);
    expect(fetched.errorCode).toBe(0);
    expect(fetched.topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([42n, -1n]);
    expect(await fetchGroup('g-commit', a.memberId, a.epoch + 5)).toMatchObject({ errorCode: E.STALE_MEMBER_EPOCH, topics: [] });
    expect(await fetchGroup('g-commit', 'someone', a.epoch)).toMatchObject({ errorCode: E.UNKNOWN_MEMBER_ID, topics: [] });
    expect((await fetchGroup('g-commit', null, -1)).errorCode).toBe(0); // an admin client
    // Older OffsetFetch versions carry no member: answered.
    const v7 = await admin.request(API.OFFSET_FETCH, 7, { groupId: 'g-commit', topics: [{ name: 'offsets', partitionIndexes: [0] }], requireStable: false });
    expect(v7.topics[0].partitions[0].committedOffset).toBe(42n);

    // Once the group is empty, simple commits (epoch -1) are accepted and the offsets survive.
    await a.leave();
    expect(await commitCode('g-commit', '', -1, 50n)).toBe(E.NONE);
    expect((await fetchGroup('g-commit', null, -1)).topics[0].partitions[0].committedOffset).toBe(50n);
  });
});

describe('one kind of group per id', () => {
  it('a classic JoinGroup to a consumer group with members is served by it (another protocol type: INCONSISTENT_GROUP_PROTOCOL); to an empty one it turns it classic', async () => {
    const a = await member('g-kinds');
    await a.join();
    expect(await commitCode('g-kinds', a.memberId, a.epoch, 7n)).toBe(E.NONE);
    expect((await joinClassic('g-kinds')).errorCode).toBe(79); // MEMBER_ID_REQUIRED: it may join as a classic member
    expect((await joinClassic('g-kinds', 'connect')).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    await a.leave();
    const joined = await joinClassic('g-kinds');
    expect(joined.errorCode).toBe(79); // MEMBER_ID_REQUIRED: a classic group now
    expect((await describeGroup(admin, 'g-kinds')).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect((await fetchGroup('g-kinds', null, -1)).topics[0].partitions[0].committedOffset).toBe(7n);
  });

  it('a heartbeat to a classic group in use that cannot be upgraded is GROUP_ID_NOT_FOUND; a group holding only offsets becomes a consumer group', async () => {
    const first = await joinClassic('g-classic');
    const joined = await admin.request(API.JOIN_GROUP, 5, { groupId: 'g-classic', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], reason: null });
    expect(joined.errorCode).toBe(0);
    const m = await member('g-classic');
    // Its embedded subscription ("m") is not a ConsumerProtocolSubscription.
    expect(await m.join()).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Cannot upgrade the classic group g-classic to consumer group because the embedded consumer protocol is malformed.' });

    expect(await commitCode('g-simple', '', -1, 3n)).toBe(E.NONE); // a simple group with offsets only
    const s = await member('g-simple');
    expect((await s.join()).errorCode).toBe(0);
    expect((await fetchGroup('g-simple', s.memberId, s.epoch)).topics[0].partitions[0].committedOffset).toBe(3n);
    const listed = await admin.request(API.LIST_GROUPS, 5, { statesFilter: [], typesFilter: [] });
    expect(listed.groups.filter((g: any) => g.groupId === 'g-simple')).toEqual([{ groupId: 'g-simple', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' }]);
  });
});

describe('DeleteGroups and OffsetDelete', () => {
  it('a consumer group is deleted only when empty, with its offsets; offsets of subscribed topics are kept while members are in', async () => {
    const a = await member('g-delete');
    await a.join();
    expect(await commitCode('g-delete', a.memberId, a.epoch, 9n)).toBe(E.NONE);
    const del = async () => (await admin.request(API.DELETE_GROUPS, 2, { groupsNames: ['g-delete'] })).results[0].errorCode;
    expect(await del()).toBe(E.NON_EMPTY_GROUP);
    const od = await admin.request(API.OFFSET_DELETE, 0, { groupId: 'g-delete', topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0 }] }] });
    expect(od.topics[0].partitions[0].errorCode).toBe(E.GROUP_SUBSCRIBED_TO_TOPIC);
    await a.leave();
    expect(await del()).toBe(E.NONE);
    expect((await describeGroup(admin, 'g-delete')).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect((await fetchGroup('g-delete', null, -1)).topics[0].partitions[0].committedOffset).toBe(-1n);
    expect(await del()).toBe(E.GROUP_ID_NOT_FOUND);
  });
});
