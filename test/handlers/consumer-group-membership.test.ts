/**
 * ConsumerGroupHeartbeat (KIP-848) membership: member ids (v0 from the broker, v1 from the client),
 * epoch fencing, rejoining, leaving, session expiry, static members (instance ids) and the group
 * size limit, with Kafka's error codes and messages.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { E, Member, createTopic, describeGroup, flat, settle, sleep, type MemberOptions } from '../helpers/consumer-group.js';

let broker: Broker;
let admin: KafkaWire;
let topicId: string;
const members: Member[] = [];
const member = async (group: string, opts: MemberOptions = {}) => {
  const m = await Member.connect(broker.port, group, { topics: ['members'], ...opts });
  members.push(m);
  return m;
};

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'group.consumer.session.timeout.ms': 700, 'group.consumer.max.size': 3 } });
  admin = await KafkaWire.connect(broker.port);
  topicId = await createTopic(admin, 'members', 4);
});
afterAll(async () => {
  for (const m of members) await m.close();
  await admin?.close();
  await broker?.close();
});

describe('member ids', () => {
  it('v0: the broker makes up the id of a joining member; v1: the client must send one', async () => {
    const v0 = await member('g-ids', { version: 0 });
    expect(v0.memberId).toBe('');
    const res = await v0.join();
    expect(res.errorCode).toBe(0);
    expect(res.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/); // a Kafka Uuid
    expect((await v0.beat()).errorCode).toBe(0);

    const v1 = await member('g-ids', { memberId: '' });
    expect(await v1.join()).toMatchObject({ errorCode: E.INVALID_REQUEST, errorMessage: "MemberId can't be empty.", memberId: null, memberEpoch: 0 });
  });
});

describe('fencing', () => {
  it('a greater epoch, or a smaller one that is not the previous epoch with a subset of the partitions, is FENCED_MEMBER_EPOCH', async () => {
    const a = await member('g-fence');
    await a.join();
    const b = await member('g-fence');
    await b.join();
    await settle([a, b]);
    expect(a.epoch).toBe(2);
    const greater = await a.beat(a.owned, { memberEpoch: 3 });
    expect(greater).toMatchObject({
      errorCode: E.FENCED_MEMBER_EPOCH,
      errorMessage: 'The consumer group member has a greater member epoch (3) than the one known by the group coordinator (2). The member must abandon all its partitions and rejoin.',
    });
    // The previous epoch with a subset of its partitions is accepted (the answer may have been lost).
    expect((await a.beat(a.owned, { memberEpoch: 1 })).errorCode).toBe(0);
    // The previous epoch with partitions it does not own is not.
    expect((await a.beat([{ topicId, partitions: [0, 1, 2, 3] }], { memberEpoch: 1 })).errorCode).toBe(E.FENCED_MEMBER_EPOCH);
    // Epoch 0 is a (re)join: it must come with no partitions and the full subscription.
    expect(await a.beat(a.owned, { memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['members'] })).toMatchObject({ errorCode: E.INVALID_REQUEST, errorMessage: 'TopicPartitions must be empty when (re-)joining.' });
  });

  it('unknown members are UNKNOWN_MEMBER_ID; a known member rejoining with epoch 0 gets its partitions back', async () => {
    const a = await member('g-rejoin');
    await a.join();
    expect(a.epoch).toBe(1);
    const stranger = await member('g-rejoin', { memberId: 'nobody' });
    stranger.epoch = 1;
    expect(await stranger.beat([])).toMatchObject({ errorCode: E.UNKNOWN_MEMBER_ID, errorMessage: 'Member nobody is not a member of group g-rejoin.' });
    const owned = flat(a.owned);
    const again = await a.join();
    expect(again).toMatchObject({ errorCode: 0, memberEpoch: 1 });
    expect(flat(again.assignment.topicPartitions)).toEqual(owned);
    // Heartbeats to a group that does not exist: GROUP_ID_NOT_FOUND.
    const lost = await member('g-never');
    lost.epoch = 4;
    expect(await lost.beat([])).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Consumer group g-never not found.' });
  });
});

describe('leaving and expiring', () => {
  it('a member leaving with -1 is removed and the group epoch bumped; the others take over', async () => {
    const a = await member('g-leave');
    const b = await member('g-leave');
    await a.join();
    await b.join();
    await settle([a, b]);
    const before = (await describeGroup(admin, 'g-leave')).groupEpoch;
    const left = await b.leave();
    expect(left).toMatchObject({ errorCode: 0, memberId: b.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    const d = await describeGroup(admin, 'g-leave');
    expect(d.groupEpoch).toBe(before + 1);
    expect(d.groupState).toBe('Assigning');
    expect(d.members.map((m: any) => m.memberId)).toEqual([a.memberId]);
    await settle([a]);
    expect(flat(a.owned)).toHaveLength(4);
    expect((await b.beat([], { memberEpoch: 2 })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect(await a.leave()).toMatchObject({ errorCode: 0, memberEpoch: -1 });
    expect((await describeGroup(admin, 'g-leave')).groupState).toBe('Empty');
  });

  it('a member that stops heartbeating is removed after the session timeout and its partitions reassigned', async () => {
    const a = await member('g-expire');
    const b = await member('g-expire');
    await a.join();
    await b.join();
    await settle([a, b]);
    expect(flat(a.owned)).toHaveLength(2);
    // b goes silent; a keeps heartbeating.
    for (let i = 0; i < 8; i++) {
      await sleep(150);
      await a.beat();
    }
    expect(flat(a.owned)).toHaveLength(4);
    const d = await describeGroup(admin, 'g-expire');
    expect(d.members.map((m: any) => m.memberId)).toEqual([a.memberId]);
    expect((await b.beat()).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  it('the group size limit is GROUP_MAX_SIZE_REACHED for a fourth member', async () => {
    for (let i = 0; i < 3; i++) expect((await (await member('g-full')).join()).errorCode).toBe(0);
    const fourth = await member('g-full');
    expect(await fourth.join()).toMatchObject({ errorCode: E.GROUP_MAX_SIZE_REACHED, errorMessage: 'The consumer group has reached its maximum capacity of 3 members.' });
  });
});

describe('static members', () => {
  it('a static member leaving with -2 keeps its partitions; a new process with the instance id takes them over', async () => {
    const a = await member('g-static', { instanceId: 'i-a' });
    const b = await member('g-static', { instanceId: 'i-b' });
    await a.join();
    await b.join();
    await settle([a, b]);
    const aOwned = flat(a.owned);
    const epoch = (await describeGroup(admin, 'g-static')).groupEpoch;
    const left = await a.leave(-2);
    expect(left).toMatchObject({ errorCode: 0, memberId: a.memberId, memberEpoch: -2 });
    let d = await describeGroup(admin, 'g-static');
    expect(d.groupEpoch).toBe(epoch); // no rebalance
    expect(d.members.find((m: any) => m.instanceId === 'i-a').memberEpoch).toBe(-2);

    // The restarted process: a new member id, the same instance id, the same partitions, no rebalance.
    const a2 = await member('g-static', { instanceId: 'i-a' });
    const back = await a2.join();
    expect(back.errorCode).toBe(0);
    expect(flat(back.assignment.topicPartitions)).toEqual(aOwned);
    d = await describeGroup(admin, 'g-static');
    expect(d.groupEpoch).toBe(epoch);
    expect(d.members.map((m: any) => m.memberId).sort()).toEqual([a2.memberId, b.memberId].sort());
    // The old id is gone.
    expect((await a.beat([], { memberEpoch: back.memberEpoch })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  it('an instance id in use is UNRELEASED_INSTANCE_ID; another member id with it is FENCED_INSTANCE_ID; an unknown one UNKNOWN_MEMBER_ID', async () => {
    const a = await member('g-static2', { memberId: 'first', instanceId: 'i-1' });
    await a.join();
    const dup = await member('g-static2', { memberId: 'second', instanceId: 'i-1' });
    expect(await dup.join()).toMatchObject({
      errorCode: E.UNRELEASED_INSTANCE_ID,
      errorMessage: 'Static member second with instance id i-1 cannot join the group because the instance id is owned by first member.',
    });
    dup.epoch = a.epoch;
    expect(await dup.beat([], { instanceId: 'i-1' })).toMatchObject({ errorCode: E.FENCED_INSTANCE_ID, errorMessage: 'Static member second with instance id i-1 was fenced by member first.' });
    expect(await dup.send({ memberEpoch: -2, instanceId: 'i-1' })).toMatchObject({ errorCode: E.FENCED_INSTANCE_ID });
    expect(await a.beat(a.owned, { instanceId: 'i-unknown' })).toMatchObject({ errorCode: E.UNKNOWN_MEMBER_ID, errorMessage: 'Instance id i-unknown is unknown.' });
    // -1 from a static member removes it for good.
    expect((await a.send({ memberEpoch: -1, instanceId: 'i-1' })).errorCode).toBe(0);
    expect((await dup.join()).errorCode).toBe(0);
  });

  it('a static member that left with -2 and does not come back is removed when its session expires', async () => {
    const a = await member('g-static3', { instanceId: 'i-x' });
    const b = await member('g-static3');
    await a.join();
    await b.join();
    await settle([a, b]);
    await a.leave(-2);
    for (let i = 0; i < 8; i++) {
      await sleep(150);
      await b.beat();
    }
    expect(flat(b.owned)).toHaveLength(4);
    expect((await describeGroup(admin, 'g-static3')).members).toHaveLength(1);
  });
});
