/**
 * Members that join a classic group at the same moment (issue: with JoinGroup v4+ both first got
 * MEMBER_ID_REQUIRED, the rebalance then waited for a member it had already counted, and the
 * member waiting inside JoinGroup was expired by its session timer). Kafka completes the join as
 * soon as every known member has rejoined, and never expires a member for waiting in JoinGroup or
 * SyncGroup. Wire-level, several connections at once, and a property test of joins, leaves and
 * rejoins in arbitrary interleavings.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';

const JOIN = 11;
const HEARTBEAT = 12;
const LEAVE = 13;
const SYNC = 14;
const DESCRIBE_GROUPS = 15;

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ port: 0, config: { 'group.min.session.timeout.ms': 100 } });
});
afterAll(async () => broker?.close());

const joinBody = (groupId: string, memberId: string, sessionTimeoutMs: number, rebalanceTimeoutMs: number) => ({
  groupId,
  sessionTimeoutMs,
  rebalanceTimeoutMs,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  reason: null,
});

/** JoinGroup v5 as kafkajs and librdkafka do it: the empty id first, then the id the coordinator gave. */
async function join(w: KafkaWire, group: string, session: number, rebalance: number, memberId = ''): Promise<any> {
  const first = await w.request(JOIN, 5, joinBody(group, memberId, session, rebalance));
  if (first.errorCode === 79) return w.request(JOIN, 5, joinBody(group, first.memberId, session, rebalance));
  return first;
}

const within = <T>(ms: number, p: Promise<T>, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

async function connect(n: number): Promise<KafkaWire[]> {
  return Promise.all(Array.from({ length: n }, () => KafkaWire.connect(broker.port)));
}

describe('members joining a classic group together', () => {
  for (const n of [2, 3, 10]) {
    it(`${n} members started at once all join one generation at once, well inside the session timeout`, async () => {
      const group = `together-${n}`;
      const ws = await connect(n);
      const started = Date.now();
      // Session 3 s, rebalance 20 s: before the fix the join hung until the sessions expired.
      const joined = await within(2000, Promise.all(ws.map((w) => join(w, group, 3000, 20_000))), 'the joins');
      expect(joined.map((j) => j.errorCode)).toEqual(Array(n).fill(0));
      expect(new Set(joined.map((j) => j.generationId)).size).toBe(1);
      const leader = joined.find((j) => j.memberId === j.leader);
      expect(leader.members.map((m: any) => m.memberId).sort()).toEqual(joined.map((j) => j.memberId).sort());
      const synced = await within(
        2000,
        Promise.all(
          joined.map((j, i) =>
            ws[i].request(SYNC, 3, {
              groupId: group,
              generationId: j.generationId,
              memberId: j.memberId,
              groupInstanceId: null,
              assignments: j.memberId === j.leader ? joined.map((x) => ({ memberId: x.memberId, assignment: Buffer.from(`for ${x.memberId}`) })) : [],
            }),
          ),
        ),
        'the syncs',
      );
      expect(synced.map((s, i) => [s.errorCode, s.assignment.toString()])).toEqual(joined.map((j) => [0, `for ${j.memberId}`]));
      expect(Date.now() - started).toBeLessThan(2000);
      await Promise.all(ws.map((w) => w.close()));
    });
  }

  it('members waiting in JoinGroup longer than their session timeout are not expired (new and existing members)', async () => {
    const group = 'long-wait';
    const [a, b] = await connect(2);
    const session = 500;
    const sync = (w: KafkaWire, j: any, assignments: any[] = []) => w.request(SYNC, 3, { groupId: group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments });
    const heartbeatFor = async (w: KafkaWire, j: any, ms: number) => {
      const codes = new Set<number>();
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 150))) {
        codes.add((await w.request(HEARTBEAT, 3, { groupId: group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null })).errorCode);
      }
      return [...codes];
    };
    const ja = await join(a, group, session, 10_000);
    expect((await sync(a, ja)).errorCode).toBe(0);

    // B is new: its JoinGroup waits for A to rejoin, three session timeouts long.
    const first = await b.request(JOIN, 5, joinBody(group, '', session, 10_000));
    const parkedB = b.request(JOIN, 5, joinBody(group, first.memberId, session, 10_000));
    expect(await heartbeatFor(a, ja, 3 * session)).toEqual([27]); // REBALANCE_IN_PROGRESS, and A stays a member
    const [ja2, jb2] = await Promise.all([join(a, group, session, 10_000, ja.memberId), parkedB]);
    expect([ja2.errorCode, jb2.errorCode, ja2.generationId === jb2.generationId]).toEqual([0, 0, true]);
    await Promise.all([sync(a, ja2, [ja2, jb2].map((j) => ({ memberId: j.memberId, assignment: Buffer.from('x') }))), sync(b, jb2)]);

    // B is now an existing member: it rejoins (new metadata) and waits again, three session timeouts long.
    const parkedAgain = b.request(JOIN, 5, { ...joinBody(group, jb2.memberId, session, 10_000), protocols: [{ name: 'range', metadata: Buffer.from('m2') }] });
    expect(await heartbeatFor(a, ja2, 3 * session)).toEqual([27]);
    const [ja3, jb3] = await Promise.all([join(a, group, session, 10_000, ja2.memberId), parkedAgain]);
    expect([ja3.errorCode, jb3.errorCode, ja3.generationId, jb3.generationId]).toEqual([0, 0, ja2.generationId + 1, ja2.generationId + 1]);
    const described = await a.request(DESCRIBE_GROUPS, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(described.groups[0].members.length).toBe(2);
    await Promise.all([a.close(), b.close()]);
  }, 20_000);

  it('a member that never sends SyncGroup is removed after the rebalance timeout, and the others rebalance without it', async () => {
    const group = 'no-sync';
    const [a, b] = await connect(2);
    const [ja, jb] = await Promise.all([join(a, group, 5000, 800), join(b, group, 5000, 800)]);
    expect([ja.errorCode, jb.errorCode]).toEqual([0, 0]);
    const leader = ja.memberId === ja.leader ? { w: a, j: ja } : { w: b, j: jb };
    const other = leader.w === a ? { w: b, j: jb } : { w: a, j: ja };
    // The leader syncs; the other keeps heartbeating but never syncs.
    const hbOf = (x: { w: KafkaWire; j: any }) => x.w.request(HEARTBEAT, 3, { groupId: group, generationId: x.j.generationId, memberId: x.j.memberId, groupInstanceId: null });
    const synced = await leader.w.request(SYNC, 3, { groupId: group, generationId: leader.j.generationId, memberId: leader.j.memberId, groupInstanceId: null, assignments: [] });
    expect(synced.errorCode).toBe(0);
    expect((await hbOf(other)).errorCode).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await hbOf(other)).errorCode).toBe(0); // heartbeats alone do not make up for the missing SyncGroup
    await new Promise((r) => setTimeout(r, 700));
    expect((await hbOf(leader)).errorCode).toBe(27); // REBALANCE_IN_PROGRESS: the round is redone without it
    const again = await join(leader.w, group, 5000, 800, leader.j.memberId);
    expect([again.errorCode, again.members.length]).toEqual([0, 1]);
    expect((await hbOf(other)).errorCode).toBe(25); // UNKNOWN_MEMBER_ID
    await Promise.all([a.close(), b.close()]);
  }, 20_000);
});

/**
 * A classic member as clients run one: join (with the id the coordinator gives), sync (the leader
 * assigns), heartbeat every 100 ms, rejoin when told REBALANCE_IN_PROGRESS, start over with no id
 * when told UNKNOWN_MEMBER_ID; stop() leaves the group.
 */
class SimMember {
  memberId = '';
  generation = -1;
  stable = false;
  private stopped = false;
  private done: Promise<void>;
  /** `w` runs the member; `control` sends its LeaveGroup while a request on `w` may be parked. */
  constructor(private readonly w: KafkaWire, private readonly control: KafkaWire, private readonly group: string) {
    this.done = this.loop();
  }
  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.stable = false;
      const j = await join(this.w, this.group, 3000, 4000, this.memberId);
      if (j.errorCode === 25) {
        this.memberId = '';
        continue;
      }
      if (j.errorCode !== 0) throw new Error(`join: ${j.errorCode}`);
      this.memberId = j.memberId;
      this.generation = j.generationId;
      if (this.stopped) return;
      const assignments = j.leader === j.memberId ? j.members.map((m: any) => ({ memberId: m.memberId, assignment: Buffer.from('a') })) : [];
      const sy = await this.w.request(SYNC, 3, { groupId: this.group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments });
      if (sy.errorCode === 27 || sy.errorCode === 22) continue;
      if (sy.errorCode === 25) {
        this.memberId = '';
        continue;
      }
      if (sy.errorCode !== 0) throw new Error(`sync: ${sy.errorCode}`);
      this.stable = true;
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        if (this.stopped) return;
        const hb = await this.w.request(HEARTBEAT, 3, { groupId: this.group, generationId: this.generation, memberId: this.memberId, groupInstanceId: null });
        if (hb.errorCode === 0) continue;
        if (hb.errorCode === 25) this.memberId = '';
        break;
      }
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    const leave = (memberId: string) => this.control.request(LEAVE, 3, { groupId: this.group, memberId: '', members: [{ memberId, groupInstanceId: null, reason: null }] });
    const known = this.memberId;
    if (known) await leave(known);
    // A JoinGroup answered after the stop may have given it an id: a client leaves with that one too.
    await this.done.catch(() => undefined);
    if (this.memberId && this.memberId !== known) await leave(this.memberId);
  }
  failed(): Promise<unknown> {
    return this.done.then(() => undefined, (e) => e);
  }
}

/**
 * Invariant: whatever the interleaving of joins, leaves and rejoins, the group settles promptly
 * (far inside the session and rebalance timeouts) on one Stable generation whose members are
 * exactly the members still running, each of which knows that generation.
 */
describe('property: concurrent joins, leaves and rejoins', () => {
  it('always settles on one generation of exactly the remaining members', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 40 }), leaveAfter: fc.option(fc.integer({ min: 0, max: 60 })), rejoins: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        async (plan) => {
          const group = `prop-${run++}`;
          const ws = await connect(plan.length * 4 + 1);
          const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
          const running = new Set<SimMember>();
          const all: SimMember[] = [];
          const spawn = (i: number) => {
            const m = new SimMember(ws[2 * i + 1], ws[2 * i + 2], group);
            running.add(m);
            all.push(m);
            return m;
          };
          try {
            await Promise.all(
              plan.map(async (p, i) => {
                await sleep(p.start);
                const m = spawn(i);
                if (p.leaveAfter === null) return;
                await sleep(p.leaveAfter);
                running.delete(m);
                await m.stop();
                if (p.rejoins) spawn(plan.length + i);
              }),
            );
            const w = ws[0]; // DescribeGroups on a connection of its own
            const deadline = Date.now() + 2500;
            let last: any;
            for (;;) {
              const d = (await w.request(DESCRIBE_GROUPS, 5, { groups: [group], includeAuthorizedOperations: false })).groups[0];
              const ids = [...running].map((m) => m.memberId).sort();
              last = { state: d.groupState, members: d.members.map((m: any) => m.memberId).sort(), running: ids, stable: [...running].map((m) => m.stable) };
              const settled = running.size === 0 ? d.groupState === 'Empty' : d.groupState === 'Stable' && JSON.stringify(last.members) === JSON.stringify(ids) && [...running].every((m) => m.stable);
              if (settled) break;
              if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(last)}`);
              await sleep(50);
            }
            for (const m of all) expect(await Promise.race([m.failed(), Promise.resolve(undefined)])).toBeUndefined();
            if (running.size > 0) expect(new Set([...running].map((m) => m.generation)).size).toBe(1);
          } finally {
            await Promise.all([...running].map((m) => m.stop()));
            await Promise.all(ws.map((x) => x.close()));
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
