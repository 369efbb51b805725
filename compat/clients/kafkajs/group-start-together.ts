/**
 * kafkajs: members of a classic group started at the same moment (issue 11: with JoinGroup v4+
 * all of them first get MEMBER_ID_REQUIRED and rejoin, and the rebalance used to wait for a
 * member it had already counted, until the session timeouts ran out). On a 6-partition topic (one
 * per group size, so that no member reads what an earlier group was sent while it joins), in
 * three groups one after the other, 2, 3 and 10 members with kafkajs' default timeouts (session
 * 30 s, rebalance 60 s, heartbeat 3 s) are started together in this process:
 *
 *  - the group settles within SETTLE_BOUND_MS, far below the session timeout: every member has
 *    joined, their assignments are disjoint and cover the 6 partitions (the members beyond 6 get
 *    none), and describeGroups shows the group Stable with exactly those members and assignments;
 *  - 5 messages produced to each partition are each processed exactly once, by the member owning
 *    the partition (each member commits each message before counting it, see _groups.ts).
 *
 * The settle time per group size is printed.
 */
import kafkajs from 'kafkajs';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { createTopic, producer } from './_common.js';
import { groupClient, launchMember, waitFor, type Member } from './_groups.js';

const { AssignerProtocol } = kafkajs;
const PARTITIONS = 6;
const PER_PARTITION = 5;
/**
 * Settle bounds per group size, far below the 30 s session timeout: a member that was not part
 * of a rebalance learns of it with its next heartbeat (3 s); a round or two of that, and a margin
 * for a loaded machine.
 */
const SETTLE_BOUND_MS: Record<number, number> = { 2: 10_000, 3: 10_000, 10: 15_000 };
/** kafkajs' default timeouts, named (the fetch wait stays _groups.ts' 100 ms: a 5 s one only delays each member's disconnect). */
const DEFAULTS = { sessionTimeout: 30_000, rebalanceTimeout: 60_000, heartbeatInterval: 3000 };

const { bootstrap, topic: baseTopic } = scenarioEnv();
const kafka = groupClient(bootstrap);
const admin = kafka.admin();
const prod = producer(kafka);
const log = (s: string) => console.log(`kafkajs: ${s}`);
const allPartitions = Array.from({ length: PARTITIONS }, (_, i) => i).join();

/** What the members see: each has joined; their partitions are disjoint and cover the topic; min(n, 6) have some. */
function clientsAgree(members: Member[]): boolean {
  if (!members.every((m) => (m.joins ?? 0) > 0)) return false;
  const all = members.flatMap((m) => m.owned).sort((a, b) => a - b);
  return all.join() === allPartitions && members.filter((m) => m.owned.length > 0).length === Math.min(members.length, PARTITIONS);
}

/** What the coordinator says: Stable, exactly these members, with the assignments they see. */
async function brokerAgrees(groupId: string, topic: string, members: Member[]): Promise<{ ok: boolean; seen: unknown }> {
  const g = (await admin.describeGroups([groupId])).groups[0];
  const byId = new Map(g.members.map((x) => [x.memberId, (AssignerProtocol.MemberAssignment.decode(x.memberAssignment)?.assignment[topic] ?? []).slice().sort((a, b) => a - b).join()]));
  const seen = { state: g.state, members: [...byId] };
  const ok = g.state === 'Stable' && byId.size === members.length && members.every((m) => m.memberId !== undefined && byId.get(m.memberId) === m.owned.join());
  return { ok, seen };
}

async function round(n: number): Promise<number> {
  const topic = `${baseTopic}-${n}`;
  const groupId = `${baseTopic}-together-${n}`;
  await createTopic(kafka, admin, topic, PARTITIONS);
  const bound = SETTLE_BOUND_MS[n];
  const members: Member[] = [];
  const state = () => members.map((m) => ({ member: m.name, joins: m.joins, owned: m.owned, processed: m.processed.length }));
  try {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const { member, started } = launchMember(kafka, `M${i + 1}`, groupId, topic, { config: DEFAULTS });
      started.catch((err: Error) => (member.error ??= `member ${member.name} failed to start: ${err.message}`));
      members.push(member);
    }
    // Settled: the members agree, and so does the coordinator (no rebalance still under way).
    let seen: unknown;
    for (;;) {
      for (const m of members) check(!m.error, m.error ?? '');
      if (clientsAgree(members)) {
        const b = await brokerAgrees(groupId, topic, members);
        seen = b.seen;
        if (b.ok && clientsAgree(members)) break;
      }
      check(Date.now() - t0 < bound, `${n} members started together should settle within ${bound / 1000} s (session timeout ${DEFAULTS.sessionTimeout / 1000} s)`, { members: state(), describeGroups: seen });
      await new Promise((r) => setTimeout(r, 50));
    }
    const settleMs = Date.now() - t0;
    const joinsAtSettle = members.map((m) => m.joins);
    log(`${n} members started together settled in ${settleMs} ms: ${members.map((m) => `${m.name} [${m.owned}]`).join(', ')}`);

    // Every message once, to the member owning its partition.
    const phase = `n${n}`;
    const messages = Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({ partition: i % PARTITIONS, value: `${phase}-${i % PARTITIONS}-${Math.floor(i / PARTITIONS)}` }));
    await prod.send({ topic, acks: -1, messages });
    const got = () => members.flatMap((m) => m.processed).filter((p) => p.value.startsWith(`${phase}-`));
    await waitFor(`${messages.length} messages processed by the ${n} members`, () => new Set(got().map((p) => p.value)).size === messages.length, state, 20_000, members);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would come now
    check(got().length === messages.length, `${n} members: each message once, but ${got().length} processed for ${messages.length}`, got());
    for (const p of got()) {
      const owner = members.find((m) => m.name === p.member);
      check(owner?.owned.includes(p.partition), `${n} members: ${p.value} processed by ${p.member}, which does not own partition ${p.partition}`, state());
    }
    check(members.every((m, i) => m.joins === joinsAtSettle[i]), `${n} members: no rebalance after the group settled`, { joinsAtSettle, now: state() });
    return settleMs;
  } finally {
    // Members still stuck in a join (a failed round) may not close promptly: do not wait long for them.
    await Promise.race([Promise.allSettled(members.map((m) => m.stop())), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
}

await admin.connect();
await prod.connect();
try {
  const settled: string[] = [];
  for (const n of [2, 3, 10]) settled.push(`${n} members ${await round(n)} ms`);
  log(`settle times: ${settled.join(', ')}`);
} finally {
  await prod.disconnect();
  await admin.disconnect();
}
log('group-start-together: 2, 3 and 10 members started at once settled quickly, split the 6 partitions and processed each message once');
