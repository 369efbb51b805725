/**
 * Consumer-protocol groups (KIP-848) survive a restart: members, epochs, subscriptions, current and
 * target assignments and a member in the middle of a revocation come back from __consumer_offsets,
 * and the members carry on heartbeating without rejoining.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { API, E, Member, createTopic, describeGroup, flat, settle } from '../helpers/consumer-group.js';

const dirs: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const o of open) await o.close().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ broker: Broker; admin: KafkaWire }> {
  const broker = await startBroker({ port: 0, dataDir, config: { 'group.consumer.session.timeout.ms': 10_000 } });
  const admin = await KafkaWire.connect(broker.port);
  open.push(admin, broker);
  return { broker, admin };
}

/** The same member (id, epoch, partitions), connected to the restarted broker. */
async function reconnect(m: Member, port: number): Promise<Member> {
  const again = await Member.connect(port, m.groupId, { ...m.opts, memberId: m.memberId });
  again.epoch = m.epoch;
  again.owned = m.owned;
  open.push(again);
  return again;
}

describe('a restart', () => {
  it('brings back members, epochs, assignments and offsets; members carry on where they were', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-cg-restart-'));
    dirs.push(dataDir);
    let { broker, admin } = await start(dataDir);
    const t = await createTopic(admin, 'durable', 4);
    const a = await Member.connect(broker.port, 'g-durable', { memberId: 'z-static-a', topics: ['durable'], instanceId: 'static-a', assignor: 'range' });
    const b = await Member.connect(broker.port, 'g-durable', { memberId: 'b-member', topics: ['durable'] });
    open.push(a, b);
    await a.join();
    await b.join();
    await settle([a, b]);
    const commit = await admin.request(API.OFFSET_COMMIT, 9, {
      groupId: 'g-durable',
      generationIdOrMemberEpoch: a.epoch,
      memberId: a.memberId,
      groupInstanceId: null,
      topics: [{ name: 'durable', partitions: [{ partitionIndex: 1, committedOffset: 77n, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    });
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    // A third member joins (its id has a NUL in it); A is told to revoke a partition and has not acknowledged yet.
    const c = await Member.connect(broker.port, 'g-durable', { memberId: 'c-member\u0000with a NUL', topics: ['durable'] });
    open.push(c);
    await c.join();
    const aBefore = a.owned;
    await a.beat(aBefore);
    expect(a.owned).not.toEqual(aBefore);
    // An emptied group and a deleted one.
    const gone = await Member.connect(broker.port, 'g-deleted', { topics: ['durable'] });
    open.push(gone);
    await gone.join();
    await gone.leave();
    expect((await admin.request(API.DELETE_GROUPS, 2, { groupsNames: ['g-deleted'] })).results[0].errorCode).toBe(0);
    const before = await describeGroup(admin, 'g-durable');
    expect(before.groupState).toBe('Reconciling');

    await admin.close();
    await broker.close();
    ({ broker, admin } = await start(dataDir));

    const after = await describeGroup(admin, 'g-durable');
    const norm = (d: any) => ({ ...d, members: [...d.members].sort((x: any, y: any) => (x.memberId < y.memberId ? -1 : 1)) });
    expect(norm(after)).toEqual(norm(before));
    expect((await describeGroup(admin, 'g-deleted')).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    const fetched = await admin.request(API.OFFSET_FETCH, 9, { groups: [{ groupId: 'g-durable', memberId: null, memberEpoch: -1, topics: [{ name: 'durable', partitionIndexes: [1] }] }], requireStable: false });
    expect(fetched.groups[0].topics[0].partitions[0]).toMatchObject({ committedOffset: 77n, metadata: 'm' });

    // The members heartbeat with the epochs they had: no fencing, the revocation goes on.
    const [a2, b2, c2] = await Promise.all([a, b, c].map((m) => reconnect(m, broker.port)));
    const aBeat = await a2.beat(aBefore); // still owns the revoked partition
    expect(aBeat.errorCode).toBe(0);
    await settle([a2, b2, c2]);
    const owned = [a2, b2, c2].map((m) => flat(m.owned));
    expect(owned.map((o) => o.length).sort()).toEqual([1, 1, 2]);
    expect(new Set(owned.flat())).toEqual(new Set([0, 1, 2, 3].map((p) => `${t}:${p}`)));
    const stable = await describeGroup(admin, 'g-durable');
    expect(stable.groupState).toBe('Stable');
    expect(stable.members.find((m: any) => m.instanceId === 'static-a').memberId).toBe(a.memberId);
    expect((await a2.beat(a2.owned, { memberEpoch: a2.epoch + 1 })).errorCode).toBe(E.FENCED_MEMBER_EPOCH);
  });
});
