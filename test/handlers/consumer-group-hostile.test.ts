/**
 * Hostile ConsumerGroupHeartbeat and ConsumerGroupDescribe requests: empty or blank ids, missing
 * join fields, impossible epochs, huge subscriptions and owned-partition lists, ids that do not
 * exist. Each gets Kafka's error (INVALID_REQUEST and friends) and the broker carries on.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire, apiVersionsWorks } from '../helpers/kafka-wire.js';
import { API, E, Member, createTopic, describeGroup, flat } from '../helpers/consumer-group.js';

let broker: Broker;
let c: KafkaWire;
let t: string;

const hb = (body: Record<string, unknown>, v = 1) =>
  c.request(API.HEARTBEAT, v, {
    groupId: 'g-hostile',
    memberId: 'm-hostile',
    memberEpoch: 0,
    rebalanceTimeoutMs: 1000,
    subscribedTopicNames: ['hostile'],
    topicPartitions: [],
    ...body,
  });

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  c = await KafkaWire.connect(broker.port);
  t = await createTopic(c, 'hostile', 3);
});
afterAll(async () => {
  await c?.close();
  await broker?.close();
});

describe('invalid heartbeats', () => {
  const cases: Array<[string, Record<string, unknown>, number, string]> = [
    ['an empty group id', { groupId: '' }, E.INVALID_REQUEST, "GroupId can't be empty."],
    ['a blank group id', { groupId: '  ' }, E.INVALID_REQUEST, "GroupId can't be empty."],
    ['an empty member id (v1)', { memberId: '' }, E.INVALID_REQUEST, "MemberId can't be empty."],
    ['an empty instance id', { instanceId: '' }, E.INVALID_REQUEST, "InstanceId can't be empty."],
    ['an empty rack id', { rackId: '' }, E.INVALID_REQUEST, "RackId can't be empty."],
    ['a join without rebalance timeout', { rebalanceTimeoutMs: -1 }, E.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.'],
    ['a join without topic partitions', { topicPartitions: null }, E.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.'],
    ['a join owning partitions', { topicPartitions: [{ topicId: '00000000-0000-0000-0000-000000000001', partitions: [0] }] }, E.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.'],
    ['a join without subscription', { subscribedTopicNames: null }, E.INVALID_REQUEST, 'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.'],
    ['epoch -2 without instance id', { memberEpoch: -2 }, E.INVALID_REQUEST, "InstanceId can't be null."],
    ['epoch -3', { memberEpoch: -3 }, E.INVALID_REQUEST, 'MemberEpoch is invalid.'],
    ['epoch -2147483648', { memberEpoch: -2147483648 }, E.INVALID_REQUEST, 'MemberEpoch is invalid.'],
    ['an unknown assignor', { serverAssignor: 'cooperative-sticky' }, E.UNSUPPORTED_ASSIGNOR, 'ServerAssignor cooperative-sticky is not supported. Supported assignors: uniform, range.'],
  ];
  for (const [what, body, code, message] of cases) {
    it(`${what}: ${code}`, async () => {
      expect(await hb(body)).toMatchObject({ errorCode: code, errorMessage: message, memberId: null, memberEpoch: 0, assignment: null });
    });
  }

  it('none of them created a group; v0 accepts an empty member id only to join', async () => {
    expect((await describeGroup(c, 'g-hostile')).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect((await describeGroup(c, '  ')).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect(await hb({ memberId: '', memberEpoch: 3, topicPartitions: null }, 0)).toMatchObject({ errorCode: E.INVALID_REQUEST, errorMessage: "MemberId can't be empty." });
    expect(await hb({ memberId: '', memberEpoch: -1 }, 0)).toMatchObject({ errorCode: E.INVALID_REQUEST });
    // Leaving a group that does not exist, and heartbeats with huge epochs.
    expect((await hb({ memberEpoch: -1 })).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect((await hb({ memberEpoch: 2147483647, topicPartitions: null })).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
  });
});

describe('huge and odd inputs', () => {
  it('a subscription of 50 000 topic names (with duplicates) joins and gets the one that exists', async () => {
    const names = Array.from({ length: 50_000 }, (_, i) => `no-such-topic-${i % 49_000}`);
    names.push('hostile');
    const m = await Member.connect(broker.port, 'g-huge', { topics: names });
    const res = await m.join();
    expect(res.errorCode).toBe(0);
    expect(flat(m.owned)).toEqual([0, 1, 2].map((p) => `${t}:${p}`));
    const d = await describeGroup(c, 'g-huge');
    expect(d.members[0].subscribedTopicNames).toHaveLength(49_001);
    // Owned partitions of unknown topics, negative and huge partition numbers, 100 000 entries.
    const junk = [{ topicId: '11111111-2222-4333-8444-555555555555', partitions: Array.from({ length: 100_000 }, (_, i) => i - 50_000) }, ...m.owned];
    const beat = await m.beat(junk);
    expect(beat.errorCode).toBe(0);
    expect(flat(m.owned)).toEqual([0, 1, 2].map((p) => `${t}:${p}`));
    await m.close();
  });

  it('odd member ids work; a negative rebalance timeout fences the member as soon as it has to revoke', async () => {
    const weird = await Member.connect(broker.port, 'g-weird', { memberId: 'a\u0000b\u0000c', topics: ['hostile'] });
    expect((await weird.join()).errorCode).toBe(0);
    const long = 'x'.repeat(10_000);
    const other = await Member.connect(broker.port, 'g-weird', { memberId: long, topics: ['hostile'] });
    expect((await other.join()).errorCode).toBe(0);
    await weird.beat();
    await weird.beat();
    await other.beat();
    const d = await describeGroup(c, 'g-weird');
    expect(d.members.map((x: any) => x.memberId.length).sort((p: number, q: number) => p - q)).toEqual([5, 10_000]);
    expect(d.groupState).toBe('Stable');
    expect(flat(weird.owned).length + flat(other.owned).length).toBe(3);

    const hasty = await Member.connect(broker.port, 'g-hasty', { topics: ['hostile'], rebalanceTimeoutMs: -5 });
    expect((await hasty.join()).errorCode).toBe(0);
    const next = await Member.connect(broker.port, 'g-hasty', { topics: ['hostile'] });
    await next.join();
    await hasty.beat(hasty.owned); // told to revoke: its rebalance timeout has already passed
    await new Promise((r) => setTimeout(r, 20));
    expect((await hasty.beat()).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    await next.beat();
    expect(flat(next.owned)).toHaveLength(3);
    for (const m of [weird, other, hasty, next]) await m.close();
  });

  it('ConsumerGroupDescribe of many ids, empty and unknown, answers each', async () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => (i % 1000 === 0 ? '' : `missing-${i}`));
    const res = await c.request(API.DESCRIBE, 1, { groupIds: ids, includeAuthorizedOperations: false });
    expect(res.groups).toHaveLength(5_000);
    expect(res.groups.filter((g: any) => g.errorCode === E.INVALID_GROUP_ID)).toHaveLength(5);
    expect(res.groups.filter((g: any) => g.errorCode === E.GROUP_ID_NOT_FOUND)).toHaveLength(4_995);
    expect(await apiVersionsWorks(broker.port)).toBe(true);
  });
});
