/**
 * Admin views of consumer-protocol groups (KIP-848): ConsumerGroupDescribe v0/v1 (epochs, state,
 * assignor, members with current and target assignment), ListGroups with the consumer type and its
 * states, and DescribeGroups, which describes classic groups only.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { API, E, Member, createTopic, describeGroup, flat, settle } from '../helpers/consumer-group.js';

let broker: Broker;
let admin: KafkaWire;
let t: string;
const members: Member[] = [];

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  admin = await KafkaWire.connect(broker.port);
  t = await createTopic(admin, 'admin-topic', 3);
});
afterAll(async () => {
  for (const m of members) await m.close();
  await admin?.close();
  await broker?.close();
});

const list = (statesFilter: string[] = [], typesFilter: string[] = [], v = 5) => admin.request(API.LIST_GROUPS, v, { statesFilter, typesFilter });

describe('ConsumerGroupDescribe', () => {
  it('describes members, epochs, states and assignments; v0 has no member type', async () => {
    const a = await Member.connect(broker.port, 'g-admin', { memberId: 'member-a', topics: ['admin-topic'], instanceId: 'inst-a', assignor: 'range' });
    members.push(a);
    await a.join({ rackId: 'rack-1' });
    let d = await describeGroup(admin, 'g-admin');
    expect(d).toEqual({
      errorCode: 0,
      errorMessage: null,
      groupId: 'g-admin',
      groupState: 'Stable',
      groupEpoch: 1,
      assignmentEpoch: 1,
      assignorName: 'range',
      members: [
        {
          memberId: 'member-a',
          instanceId: 'inst-a',
          rackId: 'rack-1',
          memberEpoch: 1,
          clientId: 'kafka-wire',
          clientHost: '/127.0.0.1',
          subscribedTopicNames: ['admin-topic'],
          subscribedTopicRegex: null,
          assignment: { topicPartitions: [{ topicId: t, topicName: 'admin-topic', partitions: [0, 1, 2] }] },
          targetAssignment: { topicPartitions: [{ topicId: t, topicName: 'admin-topic', partitions: [0, 1, 2] }] },
          memberType: 1,
        },
      ],
      authorizedOperations: -2147483648,
    });
    const b = await Member.connect(broker.port, 'g-admin', { memberId: 'member-b', topics: ['admin-topic'] });
    members.push(b);
    await b.join();
    d = await describeGroup(admin, 'g-admin');
    expect(d.groupState).toBe('Reconciling');
    await settle([a, b]);
    d = await describeGroup(admin, 'g-admin', 0);
    expect(d.groupState).toBe('Stable');
    expect(d.members.map((m: any) => m.memberType)).toEqual([-1, -1]); // not in v0
    expect(d.members.flatMap((m: any) => flat(m.assignment.topicPartitions)).sort()).toEqual([0, 1, 2].map((p) => `${t}:${p}`));

    const res = await admin.request(API.DESCRIBE, 1, { groupIds: ['g-admin', 'nope', ''], includeAuthorizedOperations: true });
    expect(res.groups[0].authorizedOperations).toBeGreaterThan(0);
    expect(res.groups[1]).toMatchObject({ groupId: 'nope', errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group nope not found.', members: [] });
    expect(res.groups[2]).toMatchObject({ groupId: '', errorCode: E.INVALID_GROUP_ID });
  });

  it('a classic group is GROUP_ID_NOT_FOUND to ConsumerGroupDescribe, and a consumer group Dead to DescribeGroups', async () => {
    await admin.request(API.OFFSET_COMMIT, 9, { groupId: 'g-simple-admin', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: 'admin-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(await describeGroup(admin, 'g-simple-admin')).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group g-simple-admin is not a consumer group.' });
    const v6 = await admin.request(API.DESCRIBE_GROUPS, 6, { groups: ['g-admin'], includeAuthorizedOperations: false });
    expect(v6.groups[0]).toMatchObject({ groupId: 'g-admin', groupState: 'Dead', errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group g-admin is not a classic group.', members: [] });
    const v5 = await admin.request(API.DESCRIBE_GROUPS, 5, { groups: ['g-admin'], includeAuthorizedOperations: false });
    expect(v5.groups[0]).toMatchObject({ groupState: 'Dead', errorCode: 0 });
  });
});

describe('ListGroups', () => {
  it('lists consumer groups with their type and state, filtered by type and state', async () => {
    const all = await list();
    const mine = all.groups.filter((g: any) => g.groupId.startsWith('g-'));
    expect(mine).toContainEqual({ groupId: 'g-admin', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' });
    expect(mine).toContainEqual({ groupId: 'g-simple-admin', protocolType: '', groupState: 'Empty', groupType: 'classic' });
    expect((await list([], ['consumer'])).groups.map((g: any) => g.groupId)).toEqual(['g-admin']);
    expect((await list([], ['CLASSIC'])).groups.map((g: any) => g.groupId)).toEqual(['g-simple-admin']);
    expect((await list(['stable'])).groups.map((g: any) => g.groupId)).toEqual(['g-admin']);
    expect((await list(['Reconciling'])).groups).toEqual([]);
    // Older versions list it too (without a type).
    expect((await list([], [], 3)).groups).toContainEqual({ groupId: 'g-admin', protocolType: 'consumer', groupState: '', groupType: '' });
    for (const m of members) await m.leave();
    expect((await list(['empty'], ['consumer'])).groups.map((g: any) => g.groupId)).toEqual(['g-admin']);
  });
});
