/**
 * Group members for the kafkajs group scenarios (files starting with _ are not scenarios): a
 * consumer in a group, in this process (startMember) or in a child process that can be killed
 * without leaving the group (spawnMember, which runs _member.ts), both seen through the same
 * Member interface: the partitions it owns now and the messages it has processed.
 *
 * A member commits each message's offset (commitOffsets, awaited) before it counts it as
 * processed: what a member has processed is committed, so a member that takes its partitions
 * over must start right after it. Short timeouts: session 6 s (the broker's
 * group.min.session.timeout.ms), heartbeats every 500 ms, rebalance timeout 10 s.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type ConsumerConfig, type logCreator } from 'kafkajs';
import { check } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';

export const SESSION_TIMEOUT_MS = 6000;
export const HEARTBEAT_INTERVAL_MS = 500;

/**
 * kafkajs logs every REBALANCE_IN_PROGRESS answer to a heartbeat at ERROR level ("The group is
 * rebalancing, so a rejoin is needed") and its rejoin at WARN: the normal course of a rebalance,
 * and the scenarios cause many. Those go; other warnings and errors are printed as kafkajs would.
 */
const quietRebalances: logCreator = () => ({ namespace, label, log }) => {
  const { message, ...extra } = log;
  if (/rebalancing/i.test(`${message} ${String(extra.error ?? '')}`)) return;
  console.error(JSON.stringify({ level: label, logger: 'kafkajs', namespace, message, ...extra }));
};

/** A client for the group scenarios: _common.ts' one, without the rebalance noise. */
export function groupClient(bootstrap: string): Kafka {
  return new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.WARN, logCreator: quietRebalances });
}

export interface Processed {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

export interface Member {
  name: string;
  /** The partitions of the last assignment (GROUP_JOIN), sorted. */
  owned: number[];
  processed: Processed[];
  /** How many joins (JoinGroup and SyncGroup rounds) it has completed, and its member id. */
  joins?: number;
  memberId?: string;
  /** Leaves the group (LeaveGroup) and closes. */
  stop(): Promise<void>;
  /** Set when the consumer crashed or the process died. */
  error?: string;
}

export async function startMember(kafka: Kafka, name: string, groupId: string, topic: string, onEvent?: (e: object) => void): Promise<Member> {
  const { member, started } = launchMember(kafka, name, groupId, topic, { onEvent });
  await started;
  return member;
}

/**
 * Starts a member without waiting for it to join (kafkajs' run() resolves only once the first
 * join and sync are done): `started` settles then. `config` overrides the short timeouts above
 * (sessionTimeout, heartbeatInterval, rebalanceTimeout, ...), e.g. with kafkajs' defaults.
 */
export function launchMember(
  kafka: Kafka,
  name: string,
  groupId: string,
  topic: string,
  opts: { onEvent?: (e: object) => void; config?: Partial<ConsumerConfig> } = {},
): { member: Member; started: Promise<void> } {
  const { onEvent } = opts;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    rebalanceTimeout: 10_000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    ...opts.config,
  });
  const m: Member = { name, owned: [], processed: [], joins: 0, stop: () => consumer.disconnect() };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.owned = [...((e.payload.memberAssignment[topic] as number[] | undefined) ?? [])].sort();
    m.joins = (m.joins ?? 0) + 1;
    m.memberId = e.payload.memberId;
    onEvent?.({ assigned: m.owned, memberId: e.payload.memberId, protocol: e.payload.groupProtocol });
  });
  // kafkajs restarts a consumer after a retriable crash (restart: true; e.g. "No broker
  // available" while the broker restarts): only one it gives up on is a failure.
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart) return;
    m.error = `consumer ${name} crashed: ${e.payload.error.message}`;
    onEvent?.({ error: m.error });
  });
  const started = (async () => {
    await consumer.connect();
    // fromBeginning: where the group has no committed offset yet (auto.offset.reset=earliest).
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        await consumer.commitOffsets([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }]);
        const p: Processed = { member: name, partition, offset: Number(message.offset), value: message.value?.toString() ?? '' };
        m.processed.push(p);
        onEvent?.({ processed: p });
      },
    });
  })();
  return { member: m, started };
}

/**
 * A member in a child process (_member.ts), which reports its assignments and messages as JSON
 * lines. kill() sends SIGKILL: no LeaveGroup, no commit, the sockets just close.
 */
export interface ChildMember extends Member {
  kill(): void;
  exited: Promise<void>;
}

export function spawnMember(bootstrap: string, name: string, groupId: string, topic: string): ChildMember {
  const script = fileURLToPath(new URL('./_member.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, name, groupId, topic], {
    env: { ...process.env, RUNNEL_BOOTSTRAP: bootstrap },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A failing scenario must not leave it running in the group.
  const reap = () => child.kill('SIGKILL');
  process.on('exit', reap);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const m: ChildMember = {
    name,
    owned: [],
    processed: [],
    exited,
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
  child.on('exit', (code, signal) => {
    process.off('exit', reap);
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) m.error = `member process ${name} exited with ${code ?? signal}`;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let e: { assigned?: number[]; processed?: Processed; error?: string };
    try {
      e = JSON.parse(line);
    } catch {
      console.log(`[${name}] ${line}`);
      return;
    }
    if (e.assigned) m.owned = e.assigned;
    if (e.processed) m.processed.push(e.processed);
    if (e.error) m.error = e.error;
  });
  return m;
}

/** Polls `cond` every 50 ms until it holds; fails with `what` (and `state()`) after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, state: () => unknown, timeoutMs = 20_000, members: Member[] = []): Promise<number> {
  const started = Date.now();
  for (;;) {
    for (const m of members) check(!m.error, m.error ?? '');
    if (cond()) return Date.now() - started;
    check(Date.now() - started < timeoutMs, `${what}: not within ${timeoutMs / 1000} s`, state());
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { isSplit } from '../../lib/group-handover.js';
