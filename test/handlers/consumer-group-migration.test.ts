/**
 * Online migration between classic and consumer groups (KIP-848, group.consumer.migration.policy):
 * a consumer-protocol member joining a classic group in use upgrades it, the classic members carry
 * on inside the consumer group through JoinGroup/SyncGroup/Heartbeat, and when the last
 * consumer-protocol member leaves the group becomes classic again. Checked over the wire, with the
 * partitions each member owns never overlapping, for every policy and across restarts.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { ClassicMember } from '../helpers/classic-member.js';
import { API, E, Member, createTopic, describeGroup } from '../helpers/consumer-group.js';

const REBALANCE_IN_PROGRESS = 27;
const open: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const o of open.reverse()) await o.close().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Env {
  broker: Broker;
  admin: KafkaWire;
  topicId: string;
  names: Map<string, string>;
}

const TOPIC = 'mig';
const PARTITIONS = 6;

async function env(config: Record<string, string | number | boolean> = {}, dataDir?: string, existingTopicId?: string): Promise<Env> {
  const broker = await startBroker({ port: 0, ...(dataDir ? { dataDir } : {}), config });
  const admin = await KafkaWire.connect(broker.port);
  open.push(broker, admin);
  const topicId = existingTopicId ?? (await createTopic(admin, TOPIC, PARTITIONS));
  return { broker, admin, topicId, names: new Map([[topicId, TOPIC]]) };
}

const classic = async (e: Env, group: string, opts: ClassicMember['opts'] = {}) => {
  const m = await ClassicMember.connect(e.broker.port, group, [TOPIC], new Map([[TOPIC, PARTITIONS]]), opts);
  open.push(m);
  return m;
};
const consumer = async (e: Env, group: string) => {
  const m = await Member.connect(e.broker.port, group, { topics: [TOPIC] });
  open.push(m);
  return m;
};

/** What everyone owns, as "topic:partition"; throws when two members own the same partition. */
function owners(e: Env, classics: ClassicMember[], consumers: Member[]): Map<string, string> {
  const out = new Map<string, string>();
  const add = (who: string, tp: string) => {
    if (out.has(tp)) throw new Error(`${tp} owned by ${out.get(tp)} and ${who}`);
    out.set(tp, who);
  };
  for (const c of classics) for (const tp of c.owned) add(c.memberId, tp);
  for (const m of consumers) for (const t of m.owned) for (const p of t.partitions) add(m.memberId, `${e.names.get(t.topicId)}:${p}`);
  return out;
}

/**
 * Classic members whose heartbeat asks them to rejoin do so, concurrently; while they wait in
 * JoinGroup the others keep heartbeating and join as soon as they are asked to (a classic group
 * waits for all of them). Returns how many rejoined.
 */
async function rejoinRound(classics: ClassicMember[]): Promise<number> {
  const codes = await Promise.all(classics.map((c) => c.heartbeat()));
  const joining = new Map<ClassicMember, Promise<number>>();
  classics.forEach((c, k) => {
    if (codes[k] !== 0) joining.set(c, c.join());
  });
  if (joining.size === 0) return 0;
  for (;;) {
    const finished = await Promise.race([Promise.all([...joining.values()]).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
    if (finished && joining.size === new Set(joining.keys()).size) break;
    for (const c of classics) if (!joining.has(c) && (await c.heartbeat()) !== 0) joining.set(c, c.join());
  }
  return joining.size;
}

/** Heartbeats everyone until every partition has one owner and nobody is asked to rejoin; checks no partition ever has two owners. */
async function settle(e: Env, classics: ClassicMember[], consumers: Member[], rounds = 30): Promise<Map<string, string>> {
  for (let i = 0; i < rounds; i++) {
    owners(e, classics, consumers);
    const rejoined = await rejoinRound(classics);
    owners(e, classics, consumers);
    for (const m of consumers) {
      await m.beat();
      owners(e, classics, consumers);
    }
    const o = owners(e, classics, consumers);
    if (rejoined === 0 && o.size === PARTITIONS) {
      const again = await Promise.all(classics.map((c) => c.heartbeat()));
      if (again.every((c) => c === 0)) return o;
    }
  }
  throw new Error(`did not settle: ${JSON.stringify([...owners(e, classics, consumers)])}`);
}

const listed = async (e: Env, group: string) => (await e.admin.request(API.LIST_GROUPS, 5, { statesFilter: [], typesFilter: [] })).groups.find((g: any) => g.groupId === group);
const commit = (e: Env, group: string, memberId: string, generation: number, offset: bigint, version = 8) =>
  e.admin.request(API.OFFSET_COMMIT, version, {
    groupId: group,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
const fetched = async (e: Env, group: string) =>
  (await e.admin.request(API.OFFSET_FETCH, 8, { groups: [{ groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0] }] }], requireStable: false })).groups[0].topics[0].partitions[0].committedOffset;

/** Two classic members in a Stable classic group, with an offset committed. */
async function classicGroup(e: Env, group: string): Promise<[ClassicMember, ClassicMember]> {
  const c1 = await classic(e, group);
  const c2 = await classic(e, group);
  await c1.join();
  await settle(e, [c1, c2], []);
  expect((await commit(e, group, c1.memberId, c1.generation, 11n)).topics[0].partitions[0].errorCode).toBe(0);
  expect(await listed(e, group)).toMatchObject({ groupType: 'classic', groupState: 'Stable' });
  return [c1, c2];
}

describe('upgrade and downgrade (bidirectional, the default)', () => {
  it('a consumer member joining a classic group converts it; all three share the partitions; when it leaves the group is classic again', async () => {
    const e = await env();
    const [c1, c2] = await classicGroup(e, 'g-up');
    const generation = c1.generation;

    const k = await consumer(e, 'g-up');
    const joined = await k.join();
    expect(joined.errorCode).toBe(0);
    expect(await listed(e, 'g-up')).toMatchObject({ groupType: 'consumer', protocolType: 'consumer' });
    const d = await describeGroup(e.admin, 'g-up');
    expect(d.members).toHaveLength(3);
    // Classic members came over at the generation's epoch, with what they owned; memberType 0 = classic.
    const byId = new Map(d.members.map((m: any) => [m.memberId, m]));
    for (const c of [c1, c2]) expect(byId.get(c.memberId)).toMatchObject({ memberEpoch: generation, memberType: 0 });
    expect(byId.get(k.memberId)).toMatchObject({ memberType: 1 });
    // The classic members are told to rejoin (the group epoch moved on).
    expect(await c1.heartbeat()).toBe(REBALANCE_IN_PROGRESS);

    const o = await settle(e, [c1, c2], [k]);
    expect(o.size).toBe(PARTITIONS);
    for (const who of [c1.memberId, c2.memberId, k.memberId]) expect([...o.values()].filter((x) => x === who)).toHaveLength(2);
    // Classic members commit with their generation (= member epoch); the old offset is still there.
    expect(await fetched(e, 'g-up')).toBe(11n);
    expect((await commit(e, 'g-up', c2.memberId, c2.generation, 12n)).topics[0].partitions[0].errorCode).toBe(0);
    expect((await commit(e, 'g-up', c2.memberId, c2.generation + 1, 13n)).topics[0].partitions[0].errorCode).toBe(E.ILLEGAL_GENERATION);

    // Downgrade: the consumer member leaves, the classic members rebalance among themselves in a classic group.
    expect((await k.leave()).errorCode).toBe(0);
    k.owned = [];
    expect(await listed(e, 'g-up')).toMatchObject({ groupType: 'classic', groupState: 'PreparingRebalance' });
    const after = await settle(e, [c1, c2], []);
    expect(after.size).toBe(PARTITIONS);
    expect(await listed(e, 'g-up')).toMatchObject({ groupType: 'classic', groupState: 'Stable' });
    expect(await fetched(e, 'g-up')).toBe(12n);
    expect((await commit(e, 'g-up', c1.memberId, c1.generation, 14n)).topics[0].partitions[0].errorCode).toBe(0);

    // And up again, by a second generation of consumer members.
    const k2 = await consumer(e, 'g-up');
    expect((await k2.join()).errorCode).toBe(0);
    expect((await settle(e, [c1, c2], [k2])).size).toBe(PARTITIONS);
  });

  it('a classic member joins a consumer group in use; LeaveGroup of a classic member rebalances the rest', async () => {
    const e = await env();
    const k = await consumer(e, 'g-mixed');
    await k.join();
    await k.beat();
    const c = await classic(e, 'g-mixed');
    const first = await c.joinOnce();
    expect(first.errorCode).toBe(79); // MEMBER_ID_REQUIRED, as for a classic group
    const second = await c.joinOnce();
    expect(second).toMatchObject({ errorCode: 0, protocolName: 'range', leader: '', members: [] });
    expect(second.generationId).toBeGreaterThan(0);
    await c.sync();
    expect((await settle(e, [c], [k])).size).toBe(PARTITIONS);
    expect(c.owned).toHaveLength(3);
    // A JoinGroup of another protocol type is INCONSISTENT_GROUP_PROTOCOL.
    const other = await classic(e, 'g-mixed', { protocolType: 'connect' });
    expect((await other.joinOnce()).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    // A consumer member is not a classic member: classic requests with its id are UNKNOWN_MEMBER_ID.
    expect((await e.admin.request(12, 4, { groupId: 'g-mixed', generationId: k.epoch, memberId: k.memberId, groupInstanceId: null })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await c.leave()).members[0].errorCode).toBe(0);
    c.owned = [];
    expect((await settle(e, [], [k])).size).toBe(PARTITIONS);
    expect(await listed(e, 'g-mixed')).toMatchObject({ groupType: 'consumer' });
  });

  it('a classic member that stops heartbeating is fenced after its own session timeout', async () => {
    const e = await env({ 'group.min.session.timeout.ms': 500 });
    const k = await consumer(e, 'g-session');
    await k.join();
    const c = await classic(e, 'g-session', { sessionTimeoutMs: 800 });
    expect(await c.join()).toBe(0);
    expect((await describeGroup(e.admin, 'g-session')).members).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await describeGroup(e.admin, 'g-session')).members.map((m: any) => m.memberId)).toEqual([k.memberId]);
    expect(await c.heartbeat()).toBe(E.UNKNOWN_MEMBER_ID);
  });
});

describe('group.consumer.migration.policy', () => {
  it('disabled: no upgrade (GROUP_ID_NOT_FOUND) and no downgrade; classic members still join a consumer group', async () => {
    const e = await env({ 'group.consumer.migration.policy': 'disabled' });
    await classicGroup(e, 'g-off');
    const k = await consumer(e, 'g-off');
    expect(await k.join()).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group g-off is not a consumer group.' });
    expect(await listed(e, 'g-off')).toMatchObject({ groupType: 'classic', groupState: 'Stable' });

    const k2 = await consumer(e, 'g-off-2');
    await k2.join();
    const c = await classic(e, 'g-off-2');
    expect(await c.join()).toBe(0);
    await k2.leave();
    expect(await listed(e, 'g-off-2')).toMatchObject({ groupType: 'consumer' });
    expect((await settle(e, [c], [])).size).toBe(PARTITIONS);
  });

  it('upgrade: up but not down', async () => {
    const e = await env({ 'group.consumer.migration.policy': 'upgrade' });
    const [c1, c2] = await classicGroup(e, 'g-upgrade');
    const k = await consumer(e, 'g-upgrade');
    expect((await k.join()).errorCode).toBe(0);
    await settle(e, [c1, c2], [k]);
    await k.leave();
    k.owned = [];
    expect(await listed(e, 'g-upgrade')).toMatchObject({ groupType: 'consumer' });
    expect((await settle(e, [c1, c2], [])).size).toBe(PARTITIONS);
  });

  it('downgrade: down but not up', async () => {
    const e = await env({ 'group.consumer.migration.policy': 'downgrade' });
    await classicGroup(e, 'g-downgrade');
    expect((await (await consumer(e, 'g-downgrade')).join()).errorCode).toBe(E.GROUP_ID_NOT_FOUND);

    const k = await consumer(e, 'g-downgrade-2');
    await k.join();
    const c = await classic(e, 'g-downgrade-2');
    expect(await c.join()).toBe(0);
    await k.leave();
    expect(await listed(e, 'g-downgrade-2')).toMatchObject({ groupType: 'classic' });
    expect((await settle(e, [c], [])).size).toBe(PARTITIONS);
  });

  it('a classic group of another protocol type is never upgraded', async () => {
    const e = await env();
    const c = await classic(e, 'g-connect', { protocolType: 'connect' });
    await c.joinOnce();
    expect((await c.joinOnce()).errorCode).toBe(0);
    expect(await (await consumer(e, 'g-connect')).join()).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group g-connect is not a consumer group.' });
  });

  it('size limits: group.consumer.max.size on the way up, group.max.size on the way down', async () => {
    const small = await env({ 'group.consumer.max.size': 1 });
    await classicGroup(small, 'g-big');
    expect((await (await consumer(small, 'g-big')).join()).errorCode).toBe(E.GROUP_ID_NOT_FOUND); // 2 members > 1

    const exact = await env({ 'group.consumer.max.size': 2 });
    await classicGroup(exact, 'g-full');
    expect((await (await consumer(exact, 'g-full')).join()).errorCode).toBe(E.GROUP_MAX_SIZE_REACHED); // converted, then full: nothing changes
    expect(await listed(exact, 'g-full')).toMatchObject({ groupType: 'classic', groupState: 'Stable' });

    const noDown = await env({ 'group.max.size': 1 });
    const k = await consumer(noDown, 'g-nodown');
    await k.join();
    const c1 = await classic(noDown, 'g-nodown');
    const c2 = await classic(noDown, 'g-nodown');
    expect(await c1.join()).toBe(0);
    expect(await c2.join()).toBe(0);
    await k.leave();
    expect(await listed(noDown, 'g-nodown')).toMatchObject({ groupType: 'consumer' }); // 2 classic members > group.max.size 1
  });
});

describe('restarts', () => {
  it('a converted group with classic members, and the classic group it turns back into, survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-migration-'));
    dirs.push(dataDir);
    let e = await env({}, dataDir);
    const [c1, c2] = await classicGroup(e, 'g-durable');
    const k = await consumer(e, 'g-durable');
    await k.join();
    await settle(e, [c1, c2], [k]);
    const before = owners(e, [c1, c2], [k]);
    await e.admin.close();
    await e.broker.close();

    e = await env({}, dataDir, e.topicId);
    const again = async (c: ClassicMember) => {
      const x = await ClassicMember.connect(e.broker.port, c.groupId, c.topics, c.partitions);
      Object.assign(x, { memberId: c.memberId, generation: c.generation, owned: c.owned, protocolName: c.protocolName });
      open.push(x);
      return x;
    };
    const r1 = await again(c1);
    const r2 = await again(c2);
    const rk = await Member.connect(e.broker.port, 'g-durable', { memberId: k.memberId, topics: [TOPIC] });
    open.push(rk);
    Object.assign(rk, { epoch: k.epoch, owned: k.owned });
    expect(await listed(e, 'g-durable')).toMatchObject({ groupType: 'consumer', groupState: 'Stable' });
    expect(await r1.heartbeat()).toBe(0);
    expect(await r1.sync()).toBe(0); // the same assignment again
    expect((await rk.beat()).errorCode).toBe(0);
    expect(owners(e, [r1, r2], [rk])).toEqual(before);
    expect(await fetched(e, 'g-durable')).toBe(11n);

    // Down again (the classic members rebalance among themselves), then a restart: a classic group with their assignments.
    await rk.leave();
    rk.owned = [];
    const classicOwners = await settle(e, [r1, r2], []);
    expect(classicOwners.size).toBe(PARTITIONS);
    await e.admin.close();
    await e.broker.close();

    e = await env({}, dataDir, e.topicId);
    const s1 = await again(r1);
    const s2 = await again(r2);
    expect(await listed(e, 'g-durable')).toMatchObject({ groupType: 'classic', protocolType: 'consumer', groupState: 'Stable' });
    for (const x of [s1, s2]) {
      expect(await x.heartbeat()).toBe(0);
      expect(await x.sync()).toBe(0);
    }
    expect(owners(e, [s1, s2], [])).toEqual(classicOwners);
    expect(await fetched(e, 'g-durable')).toBe(11n);
  });
});
