/**
 * ConsumerGroupHeartbeat (KIP-848): members joining split the partitions with the uniform and range
 * assignors; a partition moves only after its previous owner has revoked it; topics created or
 * grown, and regex subscriptions, lead to a new assignment.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { E, Member, addPartitions, createTopic, describeGroup, flat, settle, sleep, type MemberOptions } from '../helpers/consumer-group.js';

let broker: Broker;
let admin: KafkaWire;
const members: Member[] = [];
const member = async (group: string, opts: MemberOptions = {}) => {
  const m = await Member.connect(broker.port, group, opts);
  members.push(m);
  return m;
};
const tps = (topicId: string, ...ps: number[]) => ps.map((p) => `${topicId}:${p}`);

beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'group.consumer.heartbeat.interval.ms': 1000 } });
  admin = await KafkaWire.connect(broker.port);
});
afterAll(async () => {
  for (const m of members) await m.close();
  await admin?.close();
  await broker?.close();
});

describe('joining and splitting partitions', () => {
  it('uniform: a first member gets every partition; a second gets half once the first has revoked them', async () => {
    const t = await createTopic(admin, 'split-u', 4);
    const a = await member('g-split-u', { topics: ['split-u'] });
    const joined = await a.join();
    expect(joined).toMatchObject({ errorCode: 0, errorMessage: null, memberId: a.memberId, memberEpoch: 1, heartbeatIntervalMs: 1000 });
    expect(flat(a.owned)).toEqual(tps(t, 0, 1, 2, 3));

    const b = await member('g-split-u', { topics: ['split-u'] });
    const bJoined = await b.join();
    expect(bJoined).toMatchObject({ errorCode: 0, memberEpoch: 2, assignment: { topicPartitions: [] } }); // everything is still A's

    await a.beat(); // A is told to give up two partitions and stays at epoch 1
    expect(a.epoch).toBe(1);
    expect(flat(a.owned)).toHaveLength(2);
    await a.beat(); // A reports it no longer owns them: it moves to epoch 2
    expect(a.epoch).toBe(2);
    await b.beat();
    expect(flat(b.owned)).toHaveLength(2);
    expect(new Set([...flat(a.owned), ...flat(b.owned)])).toEqual(new Set(tps(t, 0, 1, 2, 3)));

    const d = await describeGroup(admin, 'g-split-u');
    expect(d).toMatchObject({ errorCode: 0, groupState: 'Stable', groupEpoch: 2, assignmentEpoch: 2, assignorName: 'uniform' });
    expect(d.members.map((m: any) => m.memberType)).toEqual([1, 1]);
    // A steady heartbeat carries no assignment.
    expect((await a.beat()).assignment).toBeNull();
  });

  it('range: two members over two co-partitioned topics get the same partition numbers of each', async () => {
    const x = await createTopic(admin, 'range-x', 4);
    const y = await createTopic(admin, 'range-y', 4);
    const a = await member('g-range', { memberId: 'a-member', topics: ['range-x', 'range-y'], assignor: 'range' });
    const b = await member('g-range', { memberId: 'b-member', topics: ['range-x', 'range-y'], assignor: 'range' });
    await a.join();
    await b.join();
    await settle([a, b]);
    expect(flat(a.owned)).toEqual([...tps(x, 0, 1), ...tps(y, 0, 1)].sort());
    expect(flat(b.owned)).toEqual([...tps(x, 2, 3), ...tps(y, 2, 3)].sort());
    const d = await describeGroup(admin, 'g-range');
    expect(d.assignorName).toBe('range');
    expect(d.groupState).toBe('Stable');
  });

  it('uniform balances different subscriptions; unknown assignors are UNSUPPORTED_ASSIGNOR', async () => {
    const p = await createTopic(admin, 'het-p', 3);
    const q = await createTopic(admin, 'het-q', 3);
    const a = await member('g-het', { memberId: 'a', topics: ['het-p', 'het-q'] });
    const b = await member('g-het', { memberId: 'b', topics: ['het-q'] });
    await a.join();
    await b.join();
    await settle([a, b]);
    expect(flat(a.owned).length).toBe(3);
    expect(flat(b.owned).length).toBe(3);
    expect(flat(b.owned).every((tp) => tp.startsWith(q))).toBe(true);
    expect(new Set([...flat(a.owned), ...flat(b.owned)])).toEqual(new Set([...tps(p, 0, 1, 2), ...tps(q, 0, 1, 2)]));

    const c = await member('g-het', { topics: ['het-p'], assignor: 'sticky' });
    expect(await c.join()).toMatchObject({ errorCode: E.UNSUPPORTED_ASSIGNOR, errorMessage: 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.' });
  });
});

describe('revocation before reassignment', () => {
  it('a partition goes to its new owner only after the previous owner has acknowledged giving it up', async () => {
    const t = await createTopic(admin, 'handover', 2);
    const a = await member('g-handover', { topics: ['handover'] });
    await a.join();
    expect(flat(a.owned)).toEqual(tps(t, 0, 1));
    const b = await member('g-handover', { topics: ['handover'] });
    await b.join();

    // A is told to revoke one partition but keeps reporting both (its onPartitionsRevoked is slow).
    const stillBoth = a.owned;
    const told = await a.beat(stillBoth);
    expect(told.memberEpoch).toBe(1);
    expect(flat(told.assignment.topicPartitions)).toHaveLength(1);
    const revoked = tps(t, 0, 1).find((tp) => !flat(told.assignment.topicPartitions).includes(tp))!;
    let d = await describeGroup(admin, 'g-handover');
    expect(d.groupState).toBe('Reconciling');

    // B waits: nothing for it while A owns the partition, however often it asks.
    for (let i = 0; i < 3; i++) {
      const res = await b.beat();
      expect(res.errorCode).toBe(0);
      expect(res.memberEpoch).toBe(2);
      expect(flat(b.owned)).toEqual([]);
    }
    d = await describeGroup(admin, 'g-handover');
    const bd = d.members.find((m: any) => m.memberId === b.memberId);
    expect(flat(bd.targetAssignment.topicPartitions)).toEqual([revoked]);
    expect(bd.assignment.topicPartitions).toEqual([]);

    // A still reports it: still nothing. Then A acknowledges.
    await a.beat(stillBoth);
    await b.beat();
    expect(flat(b.owned)).toEqual([]);
    const ack = await a.beat();
    expect(ack.memberEpoch).toBe(2);
    await b.beat();
    expect(flat(b.owned)).toEqual([revoked]);
    d = await describeGroup(admin, 'g-handover');
    expect(d.groupState).toBe('Stable');
  });

  it('a member that does not revoke within its rebalance timeout is fenced and its partition moves on', async () => {
    const t = await createTopic(admin, 'slow-revoke', 2);
    const a = await member('g-slow', { topics: ['slow-revoke'], rebalanceTimeoutMs: 300 });
    await a.join();
    const b = await member('g-slow', { topics: ['slow-revoke'] });
    await b.join();
    const both = a.owned;
    await a.beat(both); // told to revoke, does not
    await sleep(600);
    expect((await a.beat(both)).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    await b.beat();
    await b.beat();
    expect(flat(b.owned)).toEqual(tps(t, 0, 1));
  });
});

describe('topic changes', () => {
  it('more partitions of a subscribed topic bump the group epoch and are assigned', async () => {
    const t = await createTopic(admin, 'grow', 2);
    const a = await member('g-grow', { topics: ['grow'] });
    const b = await member('g-grow', { topics: ['grow'] });
    await a.join();
    await b.join();
    await settle([a, b]);
    const epoch = (await describeGroup(admin, 'g-grow')).groupEpoch;
    await addPartitions(admin, 'grow', 6);
    await settle([a, b]);
    expect(flat(a.owned)).toHaveLength(3);
    expect(flat(b.owned)).toHaveLength(3);
    expect(new Set([...flat(a.owned), ...flat(b.owned)])).toEqual(new Set(tps(t, 0, 1, 2, 3, 4, 5)));
    expect((await describeGroup(admin, 'g-grow')).groupEpoch).toBe(epoch + 1);
  });

  it('a subscribed topic created later is assigned at the next heartbeat', async () => {
    const a = await member('g-later', { topics: ['later-topic'] });
    expect((await a.join()).assignment).toEqual({ topicPartitions: [] });
    const t = await createTopic(admin, 'later-topic', 2);
    await a.beat();
    expect(flat(a.owned)).toEqual(tps(t, 0, 1));
  });
});

describe('regex subscriptions (v1)', () => {
  it('a regex matches whole topic names, follows new topics, and a bad one is INVALID_REGULAR_EXPRESSION', async () => {
    const r1 = await createTopic(admin, 'rx.orders', 1);
    await createTopic(admin, 'rx.orders-dlq', 1);
    await createTopic(admin, 'other.orders', 1);
    const a = await member('g-regex', { topics: null, regex: 'rx\\.[a-z]+' });
    const joined = await a.join();
    expect(joined.errorCode).toBe(0);
    expect(flat(a.owned)).toEqual(tps(r1, 0));
    const d = await describeGroup(admin, 'g-regex');
    expect(d.members[0]).toMatchObject({ subscribedTopicRegex: 'rx\\.[a-z]+', subscribedTopicNames: [] });

    const r2 = await createTopic(admin, 'rx.payments', 1);
    await sleep(1100); // regexes are resolved again at most once a second
    await a.beat();
    expect(flat(a.owned)).toEqual([...tps(r1, 0), ...tps(r2, 0)].sort());

    const bad = await member('g-regex', { topics: null, regex: 'rx\\.(' });
    const refused = await bad.join();
    expect(refused.errorCode).toBe(E.INVALID_REGULAR_EXPRESSION);
    expect(refused.errorMessage).toMatch(/^SubscribedTopicRegex `rx\\\.\(` is not a valid regular expression/);
    const lookahead = await member('g-regex', { topics: null, regex: '(?!x).*' });
    expect((await lookahead.join()).errorCode).toBe(E.INVALID_REGULAR_EXPRESSION);
    // RE2's leading (?i) flag works.
    const ci = await member('g-regex-ci', { topics: null, regex: '(?i)RX\\.ORDERS' });
    await ci.join();
    expect(flat(ci.owned)).toEqual(tps(r1, 0));
  });
});
