/**
 * kafkajs: a consumer group survives broker restarts (the runner restarts the broker on the same
 * port with the same data directory: RUNNEL_CONTROL_URL, compat/restart.ts).
 *
 *  1. member A processes 30 messages, committing each;
 *  2. the broker restarts (down 1 s): the committed offsets and the group are still there
 *     (fetchOffsets, describeGroups), and A, which kept running, processes the 30 produced after
 *     the restart and none of the first 30 again;
 *  3. A leaves, 30 more are produced, the broker restarts again: a new member B processes exactly
 *     those 30 (it starts at the committed offsets, read back from __consumer_offsets);
 *  4. B leaves; 1, 2 and 3 more messages: the lag from fetchOffsets and fetchTopicOffsets is
 *     1, 2, 3 — and still is after a third restart, with the group Empty.
 */
import { restartBroker } from '../../lib/control.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { createTopic, producer } from './_common.js';
import { groupClient, startMember, waitFor, type Member } from './_groups.js';

const PARTITIONS = 3;
const { bootstrap, topic } = scenarioEnv();
const groupId = `${topic}-group`;
const kafka = groupClient(bootstrap);
const admin = kafka.admin();
const prod = producer(kafka);
const members: Member[] = [];
const log = (s: string) => console.log(`kafkajs: ${s}`);

async function produce(phase: string, counts = [10, 10, 10]): Promise<string[]> {
  const messages = counts.flatMap((n, p) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `${phase}-${p}-${i}` })));
  await prod.send({ topic, acks: -1, messages });
  return messages.map((m) => m.value);
}

const state = () => members.map((m) => ({ member: m.name, owned: m.owned, processed: m.processed.map((p) => p.value) }));
const until = (what: string, cond: () => boolean, timeoutMs?: number) => waitFor(what, cond, state, timeoutMs, members);

/** Waits until `m` has processed every value, then checks it processed nothing else since `from`. */
async function processedExactly(m: Member, from: number, values: string[], what: string): Promise<void> {
  const mine = () => m.processed.slice(from).map((p) => p.value);
  await until(`${m.name} should process ${what}`, () => values.every((v) => mine().includes(v)), 30_000);
  await new Promise((r) => setTimeout(r, 300));
  const extra = mine().filter((v) => !values.includes(v));
  check(extra.length === 0 && mine().length === values.length, `${m.name} should process ${what} once each and nothing else`, { extra, count: mine().length });
}

async function committedOffsets(): Promise<number[]> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return [0, 1, 2].map((p) => Number(t.partitions.find((x) => x.partition === p)?.offset));
}

async function restart(why: string): Promise<void> {
  const r = await restartBroker({ downMs: 1000 });
  log(`broker restarted (${why}): stopped in ${r.stopMs} ms, down ${r.downMs} ms, up in ${r.startMs} ms`);
}

await admin.connect();
await prod.connect();
try {
  log(`topic by ${await createTopic(kafka, admin, topic, PARTITIONS)}`);

  // 1. A processes and commits.
  const a = await startMember(kafka, 'A', groupId, topic);
  members.push(a);
  await until('A should own all 3 partitions', () => a.owned.length === 3);
  await processedExactly(a, 0, await produce('p1'), 'the first 30 messages');
  check((await committedOffsets()).join() === '10,10,10', 'fetchOffsets: committed at 10 on each partition before the restart', await committedOffsets());

  // 2. Restart under a running member.
  await restart('with A in the group');
  check((await committedOffsets()).join() === '10,10,10', 'fetchOffsets after the restart: still 10 on each partition', await committedOffsets());
  const g = (await admin.describeGroups([groupId])).groups[0];
  check(g?.protocolType === 'consumer' && ['Stable', 'PreparingRebalance', 'CompletingRebalance'].includes(g.state), 'describeGroups after the restart should find the group, with A', g);
  const before = a.processed.length;
  await processedExactly(a, before, await produce('p2'), 'the 30 produced after the restart (none of the first 30 again)');
  const g2 = (await admin.describeGroups([groupId])).groups[0];
  check(g2?.state === 'Stable' && g2.members.length === 1, 'describeGroups: Stable, A its only member', g2);
  log(`after the restart A carried on: the 30 new messages, none of the first 30 again (group ${g.state} right after the restart)`);

  // 3. A leaves; a new member after another restart starts at the committed offsets.
  await a.stop();
  const p3 = await produce('p3');
  await restart('with the group empty');
  check((await committedOffsets()).join() === '20,20,20', 'fetchOffsets after the second restart: 20 on each partition', await committedOffsets());
  const b = await startMember(kafka, 'B', groupId, topic);
  members.push(b);
  await until('B should own all 3 partitions', () => b.owned.length === 3);
  await processedExactly(b, 0, p3, 'exactly the 30 produced after A left');
  log('a new member B, after the second restart, processed exactly what was not committed');

  // 4. Lag, across one more restart.
  await b.stop();
  await produce('lag', [1, 2, 3]);
  await restart('lag check');
  const committed = await committedOffsets();
  const ends = await admin.fetchTopicOffsets(topic);
  const lag = [0, 1, 2].map((p) => Number(ends.find((x) => x.partition === p)?.high) - committed[p]);
  check(committed.join() === '30,30,30' && lag.join() === '1,2,3', 'after the third restart: committed 30 each, lag 1, 2, 3', { committed, ends });
  const empty = (await admin.describeGroups([groupId])).groups[0];
  check(empty?.state === 'Empty' && empty.members.length === 0, 'describeGroups after the third restart: Empty', empty);
  check((await admin.listGroups()).groups.some((x) => x.groupId === groupId), 'listGroups after the third restart should list the group');
  log('committed 30,30,30 and lag 1,2,3 after the third restart; the group is Empty and listed');
} finally {
  await Promise.allSettled(members.map((m) => m.stop()));
  await prod.disconnect();
  await admin.disconnect();
}
log('group-restart: committed offsets and the group survive restarts; the same member and a new one resume where they should');
