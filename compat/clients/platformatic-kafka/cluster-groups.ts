/**
 * @platformatic/kafka in the three-broker cluster: a consumer group (Consumer#consume(), commits
 * each message; _groups.ts) on a 6-partition replication-factor-3 topic, bootstrapping from
 * broker 1. Two members split the partitions, then process 300 messages, each once, by the member
 * owning its partition; both leave; 60 more messages; a new member of the group starts from the
 * committed offsets and processes exactly those 60.
 */
import { ProduceAcks } from '@platformatic/kafka';
import { report } from '../../lib/read-back.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';
import { isSplit, producer, startMember, waitFor } from './_groups.js';

const { bootstrap, topic, brokers } = clusterEnv();
await createReplicatedTopic(bootstrap, topic, brokers);
const p = producer(bootstrap);
async function produce(phase: string, perPartition: number): Promise<string[]> {
  const messages = Array.from({ length: PARTITIONS * perPartition }, (_, i) => ({ topic, partition: i % PARTITIONS, value: `${phase}-${i % PARTITIONS}-${Math.floor(i / PARTITIONS)}` }));
  await p.send({ messages, acks: ProduceAcks.ALL });
  return messages.map((m) => m.value);
}

const group = `${topic}-group`;
const [a, b] = await Promise.all([startMember(bootstrap, 'a', group, topic), startMember(bootstrap, 'b', group, topic)]);
await waitFor('two members splitting the 6 partitions', () => isSplit([a.owned, b.owned], PARTITIONS), () => ({ a: a.owned, b: b.owned }), 30_000, [a, b]);
const first = await produce('one', 50);
await waitFor(`${first.length} messages processed`, () => a.processed.length + b.processed.length >= first.length, () => ({ a: a.processed.length, b: b.processed.length }), 30_000, [a, b]);
await new Promise((r) => setTimeout(r, 500));
const problems: string[] = [];
const values = [...a.processed, ...b.processed].map((m) => m.value).sort();
if (values.join() !== [...first].sort().join()) problems.push(`phase one: processed ${values.length} values (${new Set(values).size} distinct), expected the ${first.length} produced once each`);
for (const m of [a, b]) for (const x of m.processed) if (!m.owned.includes(x.partition)) problems.push(`member ${m.name} processed partition ${x.partition}, owns ${m.owned}`);
report('phase one', problems);
await Promise.all([a.stop(), b.stop()]);

const second = await produce('two', 10);
const c = await startMember(bootstrap, 'c', group, topic);
await waitFor(`the new member processing the ${second.length} new messages`, () => c.processed.length >= second.length, () => ({ owned: c.owned, processed: c.processed.length }), 30_000, [c]);
await new Promise((r) => setTimeout(r, 500));
await c.stop();
await p.close();
const got = c.processed.map((x) => x.value).sort();
check(got.join() === [...second].sort().join(), `the new member should process exactly the ${second.length} new messages`, got.filter((v) => !v.startsWith('two-')).slice(0, 10));
console.log(`@platformatic/kafka: 2 members split 6 replicated partitions and processed ${first.length} messages once each; a new member resumed from the committed offsets with exactly the ${second.length} new ones`);
