/**
 * The cluster-groups scenario of the TypeScript clients (each client's cluster-groups.ts supplies
 * its members and producer): two members split a 6-partition replication-factor-3 topic, then
 * process 300 messages, each once, by the member owning its partition; both leave; 60 more
 * messages; a new member of the group starts from the committed offsets and processes exactly
 * those 60.
 */
import { report } from './read-back.js';
import { check } from './scenario.js';

export interface HandoverMember {
  name: string;
  owned: number[];
  processed: Array<{ partition: number; value: string }>;
  stop(): Promise<void>;
}

export interface HandoverClient<M extends HandoverMember> {
  /** For the summary line. */
  name: string;
  partitions: number;
  /** A member of the group, once it started. */
  start(member: string): Promise<M>;
  /** `perPartition` messages to each partition with acks=all, valued `${phase}-${partition}-${n}`; their values. */
  produce(phase: string, perPartition: number): Promise<string[]>;
  /** Closes the producer. */
  close(): Promise<void>;
  waitFor(what: string, cond: () => boolean, state: () => unknown, timeoutMs: number, members: M[]): Promise<number>;
}

/** Values `${phase}-${partition}-${n}`, `perPartition` for each of `partitions` partitions, round robin. */
export function handoverMessages(phase: string, perPartition: number, partitions: number): Array<{ partition: number; value: string }> {
  return Array.from({ length: partitions * perPartition }, (_, i) => ({ partition: i % partitions, value: `${phase}-${i % partitions}-${Math.floor(i / partitions)}` }));
}

export async function groupHandover<M extends HandoverMember>(client: HandoverClient<M>): Promise<void> {
  const [a, b] = await Promise.all([client.start('a'), client.start('b')]);
  await client.waitFor('two members splitting the 6 partitions', () => isSplit([a.owned, b.owned], client.partitions), () => ({ a: a.owned, b: b.owned }), 30_000, [a, b]);
  const first = await client.produce('one', 50);
  await client.waitFor(`${first.length} messages processed`, () => a.processed.length + b.processed.length >= first.length, () => ({ a: a.processed.length, b: b.processed.length }), 30_000, [a, b]);
  await new Promise((r) => setTimeout(r, 500));
  const problems: string[] = [];
  const values = [...a.processed, ...b.processed].map((m) => m.value).sort();
  if (values.join() !== [...first].sort().join()) problems.push(`phase one: processed ${values.length} values (${new Set(values).size} distinct), expected the ${first.length} produced once each`);
  for (const m of [a, b]) for (const x of m.processed) if (!m.owned.includes(x.partition)) problems.push(`member ${m.name} processed partition ${x.partition}, owns ${m.owned}`);
  report('phase one', problems);
  await Promise.all([a.stop(), b.stop()]);

  const second = await client.produce('two', 10);
  const c = await client.start('c');
  await client.waitFor(`the new member processing the ${second.length} new messages`, () => c.processed.length >= second.length, () => ({ owned: c.owned, processed: c.processed.length }), 30_000, [c]);
  await new Promise((r) => setTimeout(r, 500));
  await c.stop();
  await client.close();
  const got = c.processed.map((x) => x.value).sort();
  check(got.join() === [...second].sort().join(), `the new member should process exactly the ${second.length} new messages`, got.filter((v) => !v.startsWith('two-')).slice(0, 10));
  console.log(`${client.name}: 2 members split 6 replicated partitions and processed ${first.length} messages once each; a new member resumed from the committed offsets with exactly the ${second.length} new ones`);
}

/** Whether the members' partitions split 0..partitions-1: each has one at least, none is shared. */
export function isSplit(owned: number[][], partitions: number): boolean {
  const all = owned.flat().sort();
  return owned.every((o) => o.length > 0) && all.join() === Array.from({ length: partitions }, (_, i) => i).join();
}
