/**
 * The files and texts of kafka-reassign-partitions.sh (Kafka's ReassignPartitionsCommand), as pure
 * functions: the reassignment JSON (`{"version":1,"partitions":[{"topic","partition","replicas",
 * "log_dirs"}]}`), the topics-to-move JSON (`{"version":1,"topics":[{"topic"}]}`), the throttled
 * replica lists a move sets, and the status lines --verify and --list print.
 */
import { UsageError } from './args.js';

export interface PartitionTarget {
  topic: string;
  partition: number;
  replicas: number[];
}

/** An ongoing reassignment as ListPartitionReassignments gives it. */
export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** Kafka's refusals of a tool's input: printed without "Error:" decoration. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

export const tp = (p: { topic: string; partition: number }): string => `${p.topic}-${p.partition}`;

export function compareTopicPartitions(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

function parseJson(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ToolInputError(`The input string is not a valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ToolInputError('The input string is not a valid JSON object');
  return v as Record<string, unknown>;
}

function version(o: Record<string, unknown>): void {
  const v = o.version ?? 1;
  if (v !== 1) throw new ToolInputError(`Not supported version field value ${String(v)}`);
}

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** The reassignment JSON, in file order, without deduplicating (the checks below need the duplicates). */
export function parseReassignmentJson(text: string): PartitionTarget[] {
  const o = parseJson(text);
  version(o);
  const out: PartitionTarget[] = [];
  const list = o.partitions ?? [];
  if (!Array.isArray(list)) throw new ToolInputError("'partitions' must be an array");
  for (const e of list as Array<Record<string, unknown>>) {
    const { topic, partition, replicas } = e ?? {};
    if (typeof topic !== 'string' || !isInt(partition) || !Array.isArray(replicas) || !replicas.every(isInt))
      throw new ToolInputError(`each partition needs "topic" (string), "partition" (int) and "replicas" (int list): ${JSON.stringify(e)}`);
    const logDirs = e.log_dirs;
    if (logDirs !== undefined) {
      if (!Array.isArray(logDirs) || !logDirs.every((d) => typeof d === 'string')) throw new ToolInputError(`"log_dirs" must be a list of strings: ${JSON.stringify(e)}`);
      if (logDirs.length !== replicas.length)
        throw new ToolInputError(`Size of replicas list [${replicas.join(', ')}] is different from size of log dirs list [${logDirs.join(', ')}] for partition ${topic}-${partition}`);
    }
    out.push({ topic, partition, replicas: [...(replicas as number[])] });
  }
  return out;
}

/** Kafka's parseExecuteAssignmentArgs checks. */
export function checkExecuteTargets(targets: readonly PartitionTarget[]): void {
  if (targets.length === 0) throw new ToolInputError('Partition reassignment list cannot be empty');
  if (targets.some((t) => t.replicas.length === 0)) throw new ToolInputError('Partition replica list cannot be empty');
  const dupParts = duplicates(targets.map(tp));
  if (dupParts.length > 0) throw new ToolInputError(`Partition reassignment contains duplicate topic partitions: ${dupParts.join(',')}`);
  const dupReplicas = targets.map((t) => [t, duplicates(t.replicas)] as const).filter(([, d]) => d.length > 0);
  if (dupReplicas.length > 0)
    throw new ToolInputError(`Partition replica lists may not contain duplicate entries: ${dupReplicas.map(([t, d]) => `${tp(t)} contains multiple entries for ${d.join(',')}`).join('. ')}`);
}

/** The topics of a topics-to-move JSON (`{"topics":[{"topic":"foo"}],"version":1}`). */
export function parseTopicsToMove(text: string): string[] {
  const o = parseJson(text);
  version(o);
  const list = o.topics ?? [];
  if (!Array.isArray(list)) throw new ToolInputError("'topics' must be an array");
  return (list as Array<Record<string, unknown>>).map((e) => {
    if (!e || typeof e.topic !== 'string') throw new ToolInputError(`each entry of 'topics' needs a "topic" string: ${JSON.stringify(e)}`);
    return e.topic;
  });
}

/** --broker-list "1,2,3" (Kafka refuses duplicates). */
export function parseBrokerList(s: string): number[] {
  const ids = s.split(',').map((x) => {
    if (!/^\s*-?\d+\s*$/.test(x)) throw new UsageError(`--broker-list takes comma-separated broker ids, not '${s}'`);
    return Number(x);
  });
  const dup = duplicates(ids);
  if (dup.length > 0) throw new ToolInputError(`Broker list contains duplicate entries: ${dup.join(', ')}`);
  return ids;
}

function duplicates<T>(xs: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const x of xs) (seen.has(x) ? dup : seen).add(x);
  return [...dup];
}

/** Kafka's formatAsReassignmentJson: compact, sorted by topic then partition, "any" log dirs. */
export function formatReassignmentJson(parts: readonly PartitionTarget[]): string {
  const partitions = [...parts].sort(compareTopicPartitions).map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any') }));
  return JSON.stringify({ version: 1, partitions });
}

interface PartitionMove {
  sources: Set<number>;
  destinations: Set<number>;
}

/**
 * Kafka's calculateProposedMoveMap: per topic and partition, the brokers data comes from (the
 * current replicas, or an ongoing reassignment's non-adding replicas) and goes to.
 */
export function proposedMoves(ongoing: readonly OngoingReassignment[], proposed: readonly PartitionTarget[], current: ReadonlyMap<string, readonly number[]>): Map<string, Map<number, PartitionMove>> {
  const moves = new Map<string, Map<number, PartitionMove>>();
  const of = (topic: string): Map<number, PartitionMove> => {
    let m = moves.get(topic);
    if (!m) moves.set(topic, (m = new Map()));
    return m;
  };
  for (const r of ongoing) {
    of(r.topic).set(r.partition, { sources: new Set(r.replicas.filter((x) => !r.addingReplicas.includes(x))), destinations: new Set(r.addingReplicas) });
  }
  for (const p of proposed) {
    const m = of(p.topic);
    const sources = new Set(m.get(p.partition)?.sources ?? current.get(tp(p)) ?? []);
    if (sources.size === 0) throw new Error(`Trying to reassign a topic partition ${tp(p)} with 0 replicas`);
    m.set(p.partition, { sources, destinations: new Set(p.replicas.filter((r) => !sources.has(r))) });
  }
  return moves;
}

/** leader.replication.throttled.replicas per topic: "partition:source" for every source (sorted as strings, as Kafka's TreeSet). */
export function leaderThrottles(moves: Map<string, Map<number, PartitionMove>>): Map<string, string> {
  return new Map([...moves].map(([topic, m]) => [topic, [...new Set([...m].flatMap(([p, mv]) => [...mv.sources].map((s) => `${p}:${s}`)))].sort().join(',')]));
}

/** follower.replication.throttled.replicas per topic: "partition:destination" for every new replica. */
export function followerThrottles(moves: Map<string, Map<number, PartitionMove>>): Map<string, string> {
  return new Map([...moves].map(([topic, m]) => [topic, [...new Set([...m].flatMap(([p, mv]) => [...mv.destinations].filter((d) => !mv.sources.has(d)).map((d) => `${p}:${d}`)))].sort().join(',')]));
}

/** Every broker a move reads from or writes to, ascending. */
export function reassigningBrokers(moves: Map<string, Map<number, PartitionMove>>): number[] {
  const out = new Set<number>();
  for (const m of moves.values()) for (const mv of m.values()) for (const b of [...mv.sources, ...mv.destinations]) out.add(b);
  return [...out].sort((a, b) => a - b);
}

export interface PartitionState {
  topic: string;
  partition: number;
  current: number[];
  target: number[];
  done: boolean;
}

/** Kafka's partitionReassignmentStatesToString. */
export function statusText(states: readonly PartitionState[]): string {
  const lines = ['Status of partition reassignment:'];
  for (const s of [...states].sort(compareTopicPartitions)) {
    if (!s.done) lines.push(`Reassignment of partition ${tp(s)} is still in progress.`);
    else if (s.current.join(',') === s.target.join(',')) lines.push(`Reassignment of partition ${tp(s)} is completed.`);
    else lines.push(`There is no active reassignment of partition ${tp(s)}, but replica set is ${s.current.join(',')} rather than ${s.target.join(',')}.`);
  }
  return lines.join('\n');
}

/** Kafka's curReassignmentsToString (--list). */
export function listText(ongoing: readonly OngoingReassignment[]): string {
  if (ongoing.length === 0) return 'No partition reassignments found.';
  const lines = [...ongoing].sort(compareTopicPartitions).map((r) => {
    const adding = r.addingReplicas.length > 0 ? ` adding: ${r.addingReplicas.join(',')}.` : '';
    const removing = r.removingReplicas.length > 0 ? ` removing: ${r.removingReplicas.join(',')}.` : '';
    return `${tp(r)}: replicas: ${r.replicas.join(',')}.${adding}${removing}`;
  });
  return `Current partition reassignments:\n${lines.join('\n')}`;
}
