/**
 * `runnel reassign-partitions`: kafka-reassign-partitions.sh (Kafka's ReassignPartitionsCommand)
 * on Runnel's own client, with its flags, JSON files and output text:
 *  --generate  a plan for --topics-to-move-json-file over --broker-list (Kafka's replica placement);
 *  --execute   starts the reassignments of --reassignment-json-file (refused while others are in
 *              progress unless --additional); --throttle N sets the replication throttle first;
 *  --verify    prints each partition's state; once none is in progress it clears the throttles;
 *  --cancel    cancels the listed reassignments in progress, then clears the throttles;
 *  --list      the reassignments in progress.
 * Deviations: log directories are not moved (the "log_dirs" field is read and ignored, and
 * --replica-alter-log-dirs-throttle is accepted and ignored; replica.alter.log.dirs.io.max.bytes.per.second
 * is not cleared); --cancel cancels every listed reassignment in progress (Kafka's tool skips
 * those that only add replicas); messages Kafka prints with a stack trace are one line here.
 */
import { flagsOrHelp, UsageError } from './args.js';
import { intFlag, required, runTool } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { Client } from '../client/client.js';
import { alterConfigs, alterPartitionReassignments, BROKER_RESOURCE, listPartitionReassignments, TOPIC_RESOURCE } from '../client/reassignments.js';
import { assignReplicas } from '../cluster/etcd/placement.js';
import { readFile } from 'node:fs/promises';
import {
  checkExecuteTargets,
  compareTopicPartitions,
  followerThrottles,
  formatReassignmentJson,
  leaderThrottles,
  listText,
  parseBrokerList,
  parseReassignmentJson,
  parseTopicsToMove,
  proposedMoves,
  reassigningBrokers,
  statusText,
  ToolInputError,
  tp,
  type PartitionState,
  type PartitionTarget,
} from './reassign-json.js';

const HELP = `Usage: runnel reassign-partitions --bootstrap-server HOST:PORT ACTION [options]

This tool helps to move topic partitions between replicas (kafka-reassign-partitions.sh).

Actions (exactly one):
  --generate     Propose an assignment of the topics in --topics-to-move-json-file over
                 the brokers of --broker-list (prints the current and the proposed JSON)
  --execute      Start the reassignments of --reassignment-json-file
  --verify       Show whether the reassignments of --reassignment-json-file are done;
                 when none is in progress, clear the replication throttles
  --cancel       Cancel the reassignments of --reassignment-json-file that are in progress
  --list         List the reassignments in progress

Options:
  --bootstrap-server H:P              The broker(s) to connect to
  --reassignment-json-file FILE       {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}
  --topics-to-move-json-file FILE     {"version":1,"topics":[{"topic":"t"}]}
  --broker-list 1,2,3                 The brokers to assign to (--generate)
  --disable-rack-aware                Ignore racks (--generate)
  --throttle N                        Replication throttle in B/s while moving (--execute)
  --replica-alter-log-dirs-throttle N Accepted and ignored (Runnel does not move log dirs)
  --additional                        Execute even while other reassignments are in progress
  --preserve-throttles                Do not clear the throttles (--verify, --cancel)
  --timeout MS                        Accepted (log directory moves only)
  --command-config FILE               Admin client properties: client.id, security.protocol, ssl.*, sasl.*
  --help                              Show this help
`;

const SPEC = {
  '--bootstrap-server': { value: true },
  '--generate': {},
  '--execute': {},
  '--verify': {},
  '--cancel': {},
  '--list': {},
  '--reassignment-json-file': { value: true },
  '--topics-to-move-json-file': { value: true },
  '--broker-list': { value: true },
  '--disable-rack-aware': {},
  '--throttle': { value: true },
  '--replica-alter-log-dirs-throttle': { value: true },
  '--additional': {},
  '--preserve-throttles': {},
  '--timeout': { value: true },
  '--command-config': { value: true },
};

const ACTIONS = ['--generate', '--execute', '--verify', '--cancel', '--list'] as const;
type Action = (typeof ACTIONS)[number];

/** Kafka's validateAndParseArgs: which options each action takes besides the bootstrap. */
const PERMITTED: Record<Action, readonly string[]> = {
  '--generate': ['--topics-to-move-json-file', '--broker-list', '--disable-rack-aware', '--command-config'],
  '--execute': ['--reassignment-json-file', '--additional', '--throttle', '--replica-alter-log-dirs-throttle', '--timeout', '--command-config'],
  '--verify': ['--reassignment-json-file', '--preserve-throttles', '--command-config'],
  '--cancel': ['--reassignment-json-file', '--preserve-throttles', '--timeout', '--command-config'],
  '--list': ['--command-config'],
};
const REQUIRED: Record<Action, readonly string[]> = {
  '--generate': ['--topics-to-move-json-file', '--broker-list'],
  '--execute': ['--reassignment-json-file'],
  '--verify': ['--reassignment-json-file'],
  '--cancel': ['--reassignment-json-file'],
  '--list': [],
};

const CANNOT_EXECUTE =
  'Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.';
const RUN_VERIFY = 'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';

const out = (s: string): void => void process.stdout.write(`${s}\n`);

export function reassignPartitionsCommand(argv: string[]): Promise<number> {
  return runTool('reassign-partitions', async () => {
    const flags = flagsOrHelp(argv, SPEC, HELP);
    if (!flags) return 0;
    const actions = ACTIONS.filter((a) => flags.has(a));
    if (actions.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.join(', ')}`);
    const action = actions[0];
    const bootstrap = required(flags, '--bootstrap-server');
    for (const f of REQUIRED[action]) required(flags, f);
    for (const f of flags.keys()) {
      if (f !== action && f !== '--bootstrap-server' && !PERMITTED[action].includes(f)) throw new UsageError(`Option "${f}" can't be used with action "${action}"`);
    }
    const client = await Client.connect(bootstrap, toolClientConfig(flags, 'reassign-partitions-tool').options);
    try {
      switch (action) {
        case '--generate':
          await generate(client, await readFile(required(flags, '--topics-to-move-json-file'), 'utf8'), required(flags, '--broker-list'), !flags.has('--disable-rack-aware'));
          return 0;
        case '--execute':
          await execute(client, await readFile(required(flags, '--reassignment-json-file'), 'utf8'), flags.has('--additional'), intFlag(flags.get('--throttle')?.[0], '--throttle') ?? -1);
          return 0;
        case '--verify':
          await verify(client, parseReassignmentJson(await readFile(required(flags, '--reassignment-json-file'), 'utf8')), flags.has('--preserve-throttles'));
          return 0;
        case '--cancel':
          await cancel(client, parseReassignmentJson(await readFile(required(flags, '--reassignment-json-file'), 'utf8')), flags.has('--preserve-throttles'));
          return 0;
        case '--list':
          out(listText(await listPartitionReassignments(client)));
          return 0;
      }
    } catch (err) {
      // Kafka's TerseException and refused input: the message alone, on standard output, exit 1.
      if (err instanceof ToolInputError) {
        out(err.message);
        return 1;
      }
      throw err;
    } finally {
      await client.close();
    }
  });
}

/** Current replicas of every partition of `topics`; a missing topic is an error as in Kafka. */
async function assignments(client: Client, topics: readonly string[]): Promise<Map<string, number[]>> {
  const md = await client.metadata([...new Set(topics)]);
  const out = new Map<string, number[]>();
  for (const t of md.topics) {
    if (t.errorCode !== 0) throw new ToolInputError(`Topic ${t.name} not found.`);
    for (const p of t.partitions) out.set(tp({ topic: t.name ?? '', partition: p.partitionIndex }), [...p.replicaNodes]);
  }
  return out;
}

async function generate(client: Client, topicsJson: string, brokerList: string, rackAware: boolean): Promise<void> {
  const brokerIds = parseBrokerList(brokerList);
  const topics = parseTopicsToMove(topicsJson);
  const dupTopics = topics.filter((t, i) => topics.indexOf(t) !== i);
  if (dupTopics.length > 0) throw new ToolInputError(`List of topics to reassign contains duplicate entries: ${[...new Set(dupTopics)].join(', ')}`);
  const current = await assignments(client, topics);
  const md = await client.metadata([]);
  const brokers = md.brokers.filter((b) => brokerIds.includes(b.nodeId)).map((b) => ({ id: b.nodeId, rack: rackAware ? (b.rack ?? null) : null }));
  const rackless = brokers.filter((b) => b.rack === null).length;
  if (rackAware && rackless !== 0 && rackless !== brokers.length)
    throw new ToolInputError('Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.');
  const currentParts: PartitionTarget[] = [...current].map(([key, replicas]) => ({ ...splitTp(key), replicas }));
  const proposed: PartitionTarget[] = [];
  for (const topic of new Set(topics)) {
    const parts = currentParts.filter((p) => p.topic === topic).sort(compareTopicPartitions);
    const rf = parts[0]?.replicas.length ?? 1;
    let plan: number[][];
    try {
      plan = assignReplicas(brokers, parts.length, rf);
    } catch (e) {
      throw new ToolInputError((e as Error).message);
    }
    plan.forEach((replicas, partition) => proposed.push({ topic, partition, replicas }));
  }
  out(`Current partition replica assignment\n${formatReassignmentJson(currentParts)}\n`);
  out(`Proposed partition reassignment configuration\n${formatReassignmentJson(proposed)}`);
}

function splitTp(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('-');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

async function execute(client: Client, json: string, additional: boolean, throttle: number): Promise<void> {
  const targets = parseReassignmentJson(json);
  checkExecuteTargets(targets);
  const ongoing = await listPartitionReassignments(client);
  if (!additional && ongoing.length > 0) throw new ToolInputError(CANNOT_EXECUTE);
  const md = await client.metadata([]);
  const live = new Set(md.brokers.map((b) => b.nodeId));
  const unknown = targets.flatMap((t) => t.replicas).find((id) => !live.has(id));
  if (unknown !== undefined) throw new ToolInputError(`Error: Unknown broker id ${unknown}`);
  const current = await assignments(client, targets.map((t) => t.topic));
  const missing = targets.filter((t) => !current.has(tp(t)));
  if (missing.length > 0) throw new ToolInputError(`Error: Unable to find partition: ${missing.map(tp).join(', ')}`);
  const currentParts = targets.map((t) => ({ topic: t.topic, partition: t.partition, replicas: current.get(tp(t))! }));
  out(`Current partition replica assignment\n\n${formatReassignmentJson(currentParts)}\n\nSave this to use as the --reassignment-json-file option during rollback`);
  if (throttle >= 0) {
    out(RUN_VERIFY);
    const moves = proposedMoves(ongoing, targets, current);
    const leader = leaderThrottles(moves);
    const follower = followerThrottles(moves);
    for (const topic of new Set([...leader.keys(), ...follower.keys()])) {
      await alterConfigs(client.bootstrap, TOPIC_RESOURCE, topic, {
        ...(leader.has(topic) ? { 'leader.replication.throttled.replicas': leader.get(topic)! } : {}),
        ...(follower.has(topic) ? { 'follower.replication.throttled.replicas': follower.get(topic)! } : {}),
      });
    }
    const rate = String(throttle);
    // A broker's own configs are altered on that broker (as Kafka's admin client routes BROKER resources).
    for (const id of reassigningBrokers(moves)) await alterConfigs(await client.broker(id), BROKER_RESOURCE, String(id), { 'leader.replication.throttled.rate': rate, 'follower.replication.throttled.rate': rate });
    out(`The inter-broker throttle limit was set to ${throttle} B/s`);
  }
  const results = await alterPartitionReassignments(client, targets.map((t) => ({ ...t })));
  const failed = results.filter((r) => r.errorCode !== 0).sort(compareTopicPartitions);
  if (failed.length > 0) throw new ToolInputError(`Error reassigning partition(s):\n${failed.map((r) => `${tp(r)}: ${r.message ?? `error code ${r.errorCode}`}`).join('\n')}`);
  const names = [...targets].sort(compareTopicPartitions).map(tp);
  out(`Successfully started partition reassignment${names.length === 1 ? '' : 's'} for ${names.join(',')}`);
}

async function verify(client: Client, targets: PartitionTarget[], preserveThrottles: boolean): Promise<void> {
  const ongoing = await listPartitionReassignments(client);
  const byTp = new Map(ongoing.map((r) => [tp(r), r]));
  const notFound = targets.filter((t) => !byTp.has(tp(t)));
  const current = notFound.length > 0 ? await assignmentsOrEmpty(client, notFound.map((t) => t.topic)) : new Map<string, number[]>();
  const states: PartitionState[] = targets.map((t) => {
    const r = byTp.get(tp(t));
    return r ? { ...t, current: r.replicas, target: t.replicas, done: false } : { ...t, current: current.get(tp(t)) ?? [], target: t.replicas, done: true };
  });
  out(statusText(states));
  // Kafka clears only once nothing at all is moving: it cannot know which brokers older moves involved.
  if (ongoing.length === 0 && !preserveThrottles) await clearAllThrottles(client, targets);
}

/** Current replicas where the topic exists (a deleted topic's partitions have none). */
async function assignmentsOrEmpty(client: Client, topics: readonly string[]): Promise<Map<string, number[]>> {
  const md = await client.metadata([...new Set(topics)]);
  const out = new Map<string, number[]>();
  for (const t of md.topics) if (t.errorCode === 0) for (const p of t.partitions) out.set(tp({ topic: t.name ?? '', partition: p.partitionIndex }), [...p.replicaNodes]);
  return out;
}

async function cancel(client: Client, targets: PartitionTarget[], preserveThrottles: boolean): Promise<void> {
  const ongoing = await listPartitionReassignments(client, targets);
  const parts = ongoing.map((r) => ({ topic: r.topic, partition: r.partition })).sort(compareTopicPartitions);
  if (parts.length > 0) {
    const results = await alterPartitionReassignments(client, parts.map((p) => ({ ...p, replicas: null })));
    const failed = results.filter((r) => r.errorCode !== 0).sort(compareTopicPartitions);
    if (failed.length > 0)
      throw new ToolInputError(`Error cancelling partition reassignment${failed.length === 1 ? '' : 's'} for:\n${failed.map((r) => `${tp(r)}: ${r.message ?? `error code ${r.errorCode}`}`).join('\n')}`);
    out(`Successfully cancelled partition reassignment${parts.length === 1 ? '' : 's'} for: ${parts.map(tp).join(',')}`);
  } else {
    out('None of the specified partition reassignments are active.');
  }
  out('None of the specified partition moves are active.');
  if (!preserveThrottles) await clearAllThrottles(client, targets);
}

/** Kafka's clearAllThrottles: the rates on every broker (alive, or named by the file), the replica lists on every topic of the file. */
async function clearAllThrottles(client: Client, targets: readonly PartitionTarget[]): Promise<void> {
  const md = await client.metadata([]);
  const live = new Set(md.brokers.map((b) => b.nodeId));
  const brokers = [...new Set([...live, ...targets.flatMap((t) => t.replicas)])].sort((a, b) => a - b);
  out(`Clearing broker-level throttles on broker${brokers.length === 1 ? '' : 's'} ${brokers.join(',')}`);
  for (const id of brokers) {
    // A broker that is not running has no configs to clear here.
    if (live.has(id)) await alterConfigs(await client.broker(id), BROKER_RESOURCE, String(id), { 'leader.replication.throttled.rate': null, 'follower.replication.throttled.rate': null });
  }
  const topics = [...new Set(targets.map((t) => t.topic))];
  out(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}`);
  for (const topic of topics) await alterConfigs(client.bootstrap, TOPIC_RESOURCE, topic, { 'leader.replication.throttled.replicas': null, 'follower.replication.throttled.replicas': null });
}
