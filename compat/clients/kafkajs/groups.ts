/**
 * kafkajs: classic consumer groups on a 3-partition topic. kafkajs has only its round-robin
 * assignor (no cooperative rebalancing: every rebalance revokes everything). Each member commits
 * each message before counting it (see _groups.ts), so every message must be processed exactly
 * once over the whole run, whoever holds the partition.
 *
 *  1. members A and B split the partitions (each one at least, together all three, none shared)
 *     and process 30 messages between them, each from a partition it owns;
 *  2. B disconnects (LeaveGroup): A takes all three and processes the next 30;
 *  3. member C, a child process, joins and takes partitions; after 30 more it is killed with
 *     SIGKILL (no LeaveGroup). Its partitions stay unread until the broker expires its session
 *     (6 s), then A takes them and processes the 30 produced after the kill, and none of C's;
 *  4. A disconnects; 30 more; a new member D processes exactly those (the committed offsets);
 *  5. admin: describeGroups (Stable, D with all three partitions), listGroups, deleteGroups
 *     refused with NON_EMPTY_GROUP while D is in; D leaves; 1, 2 and 3 more messages: lag from
 *     fetchOffsets and fetchTopicOffsets is 1, 2, 3; describeGroups says Empty; deleteGroups
 *     deletes it, listGroups no longer lists it and fetchOffsets finds no offsets.
 */
import kafkajs from 'kafkajs';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { createTopic, producer } from './_common.js';
import { HEARTBEAT_INTERVAL_MS, SESSION_TIMEOUT_MS, groupClient, isSplit, spawnMember, startMember, waitFor, type Member } from './_groups.js';

const { AssignerProtocol } = kafkajs;
const PARTITIONS = 3;
const { bootstrap, topic } = scenarioEnv();
const groupId = `${topic}-group`;
const kafka = groupClient(bootstrap);
const admin = kafka.admin();
const prod = producer(kafka);
const members: Member[] = [];
const log = (s: string) => console.log(`kafkajs: ${s}`);

/** Produces `counts[p]` messages to partition p, valued `<phase>-<p>-<i>`; returns the values. */
async function produce(phase: string, counts = [10, 10, 10]): Promise<string[]> {
  const messages = counts.flatMap((n, p) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `${phase}-${p}-${i}` })));
  await prod.send({ topic, acks: -1, messages });
  return messages.map((m) => m.value);
}

const processed = () => members.flatMap((m) => m.processed);
const ofPhase = (phase: string) => processed().filter((p) => p.value.startsWith(`${phase}-`));
const state = () => members.map((m) => ({ member: m.name, owned: m.owned, processed: m.processed.length }));
const until = (what: string, cond: () => boolean, timeoutMs?: number) => waitFor(what, cond, state, timeoutMs, members);

/** Waits for every message of the phase, then checks each came once, to a member owning its partition. */
async function processedOnce(phase: string, values: string[], by: Member[]): Promise<void> {
  await until(`${values.length} ${phase} messages processed`, () => new Set(ofPhase(phase).map((p) => p.value)).size === values.length);
  await new Promise((r) => setTimeout(r, 300)); // a duplicate would come now
  const got = ofPhase(phase);
  check(got.length === values.length, `${phase}: each message once, but ${got.length} processed for ${values.length}`, got);
  for (const p of got) {
    const m = by.find((x) => x.name === p.member);
    check(m?.owned.includes(p.partition), `${phase}: ${p.value} processed by ${p.member}, which is not one of ${by.map((x) => x.name)} owning partition ${p.partition}`, state());
  }
}

await admin.connect();
await prod.connect();
try {
  log(`topic by ${await createTopic(kafka, admin, topic, PARTITIONS)}`);

  // 1. Two members split the partitions.
  const a = await startMember(kafka, 'A', groupId, topic);
  members.push(a);
  await until('A alone should own all 3 partitions', () => a.owned.length === 3);
  const b = await startMember(kafka, 'B', groupId, topic);
  members.push(b);
  await until('A and B should split the 3 partitions', () => isSplit([a.owned, b.owned], PARTITIONS));
  log(`1. A owns ${a.owned}, B owns ${b.owned}`);
  await processedOnce('p1', await produce('p1'), [a, b]);
  check(a.processed.length > 0 && b.processed.length > 0, 'both members should have processed messages', state());

  // 2. B leaves: A takes everything and carries on.
  await b.stop();
  await until('after B left, A should own all 3 partitions', () => a.owned.length === 3);
  await processedOnce('p2', await produce('p2'), [a]);
  log('2. B left; A owns 0,1,2 and processed the next 30');

  // 3. C joins in a child process, then dies without leaving.
  const c = spawnMember(bootstrap, 'C', groupId, topic);
  members.push(c);
  await until('A and C should split the 3 partitions', () => isSplit([a.owned, c.owned], PARTITIONS));
  const cOwned = c.owned;
  await processedOnce('p3', await produce('p3'), [a, c]);
  check(c.processed.length > 0, 'C should have processed messages', state());
  c.kill();
  await c.exited;
  const killedAt = Date.now();
  const p4 = await produce('p4');
  const waited = await until(`A should take C's partitions ${cOwned} once C's session expires`, () => a.owned.length === 3, 20_000);
  const handover = Date.now() - killedAt;
  // Kafka removes the member SESSION_TIMEOUT_MS after its last heartbeat (at most one interval before the kill).
  check(handover >= SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS - 500, `C's partitions moved ${handover} ms after the kill: before its ${SESSION_TIMEOUT_MS} ms session could expire`);
  await processedOnce('p4', p4, [a]);
  log(`3. C (owning ${cOwned}) killed; A took its partitions after ${(handover / 1000).toFixed(1)} s (waited ${waited} ms) and processed the 30 produced since`);

  // 4. The committed offsets carry the group's progress to a new member.
  await a.stop();
  const p5 = await produce('p5');
  const d = await startMember(kafka, 'D', groupId, topic);
  members.push(d);
  await until('D should own all 3 partitions', () => d.owned.length === 3);
  await processedOnce('p5', p5, [d]);
  check(d.processed.every((p) => p.value.startsWith('p5-')), 'D should process only what came after the committed offsets', d.processed);
  log('4. A left; a new member D processed exactly the 30 produced after the last commit');

  // 5. Describe, list, delete; lag.
  const described = await admin.describeGroups([groupId]);
  const g = described.groups[0];
  check(g?.groupId === groupId && (g as { errorCode?: number }).errorCode === 0 && g.state === 'Stable' && g.protocolType === 'consumer' && g.protocol === 'RoundRobinAssigner', 'describeGroups: Stable, consumer, RoundRobinAssigner', g);
  check(g.members.length === 1 && g.members[0].clientId === 'runnel-compat-kafkajs', 'describeGroups: one member, D', g.members);
  const assignment = AssignerProtocol.MemberAssignment.decode(g.members[0].memberAssignment);
  check(JSON.stringify(assignment?.assignment[topic]?.slice().sort()) === '[0,1,2]', "describeGroups: D's assignment should be partitions 0, 1, 2", assignment);
  const listed = await admin.listGroups();
  check(listed.groups.some((x) => x.groupId === groupId && x.protocolType === 'consumer'), `listGroups should list ${groupId} (consumer)`, listed.groups);
  const refused = await admin.deleteGroups([groupId]).catch((e: Error & { groups?: Array<{ groupId: string; error?: { type?: string } }> }) => e);
  check(
    refused instanceof Error && refused.groups?.[0]?.error?.type === 'NON_EMPTY_GROUP',
    'deleteGroups with a member in the group should fail with NON_EMPTY_GROUP',
    refused instanceof Error ? { message: refused.message, groups: refused.groups?.map((x) => ({ groupId: x.groupId, type: x.error?.type })) } : refused,
  );

  await d.stop();
  await produce('lag', [1, 2, 3]);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  const lag = [0, 1, 2].map((p) => {
    const c = Number(committed.partitions.find((x) => x.partition === p)?.offset);
    const end = Number(ends.find((x) => x.partition === p)?.high);
    check(c === 50, `fetchOffsets: partition ${p} should be committed at 50 (5 x 10 processed)`, committed.partitions);
    return end - c;
  });
  check(lag.join() === '1,2,3', 'lag (end offset - committed) should be 1, 2, 3', { committed: committed.partitions, ends });
  const empty = (await admin.describeGroups([groupId])).groups[0];
  check(empty?.state === 'Empty' && empty.members.length === 0, 'describeGroups after D left: Empty, no members', empty);
  const deleted = await admin.deleteGroups([groupId]);
  check(deleted.length === 1 && deleted[0].groupId === groupId && deleted[0].errorCode === 0, 'deleteGroups should delete the empty group', deleted);
  const after = await admin.listGroups();
  check(!after.groups.some((x) => x.groupId === groupId), `listGroups should not list ${groupId} after deleteGroups`, after.groups);
  const [gone] = await admin.fetchOffsets({ groupId, topics: [topic] });
  check(gone.partitions.every((x) => x.offset === '-1'), 'fetchOffsets after deleteGroups should find no offsets (-1)', gone.partitions);
  log('5. describeGroups, listGroups, deleteGroups (NON_EMPTY_GROUP, then deleted), lag 1,2,3 from fetchOffsets/fetchTopicOffsets');

  // Over the whole run: every message processed exactly once.
  const values = processed().map((p) => p.value);
  check(values.length === 150 && new Set(values).size === 150, `150 messages should have been processed once each, got ${values.length} (${new Set(values).size} distinct)`);
} finally {
  for (const m of members) if ('kill' in m) (m as { kill(): void }).kill();
  await Promise.allSettled(members.map((m) => m.stop()));
  await prod.disconnect();
  await admin.disconnect();
}
log('groups: split, leave, kill (session timeout), committed offsets, describe/list/delete and lag all as expected');
