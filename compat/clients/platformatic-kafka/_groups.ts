/**
 * Group members for the @platformatic/kafka group scenarios (files starting with _ are not
 * scenarios): a Consumer#consume() stream in a group, in this process (startMember) or in a child
 * process that can be killed without leaving the group (spawnMember, which runs _member.ts), both
 * seen through the same Member interface.
 *
 * A member commits each message (message.commit(), awaited; autocommit off) before it counts it
 * as processed. The stream starts at the group's committed offsets (mode 'committed'), or at the
 * beginning where there are none (fallbackMode 'earliest'). Short timeouts: session 6 s (the
 * broker's group.min.session.timeout.ms), heartbeats every 500 ms, rebalance timeout 10 s.
 * @platformatic/kafka's only assignor is its own round-robin (protocol "roundrobin").
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { check } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';

export const SESSION_TIMEOUT_MS = 6000;
export const HEARTBEAT_INTERVAL_MS = 500;

export interface Processed {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

export interface Member {
  name: string;
  /** The partitions of the last assignment (consumer:group:join), sorted. */
  owned: number[];
  processed: Processed[];
  /** How many joins (JoinGroup and SyncGroup rounds) it has completed, and its member id. */
  joins?: number;
  memberId?: string;
  /** Closes the stream and the consumer, which leaves the group (LeaveGroup). */
  stop(): Promise<void>;
  /** Set when the stream failed or the process died. */
  error?: string;
}

export async function startMember(bootstrap: string, name: string, groupId: string, topic: string, onEvent?: (e: object) => void): Promise<Member> {
  const { member, started } = launchMember(bootstrap, name, groupId, topic, { onEvent });
  await started;
  return member;
}

/**
 * Starts a member without waiting for it to join (consume() resolves only once the first join
 * and sync are done): `started` settles then. `config` overrides the short timeouts above
 * (sessionTimeout, heartbeatInterval, rebalanceTimeout, ...), e.g. with the client's defaults.
 */
export function launchMember(
  bootstrap: string,
  name: string,
  groupId: string,
  topic: string,
  opts: { onEvent?: (e: object) => void; config?: { sessionTimeout?: number; rebalanceTimeout?: number; heartbeatInterval?: number } } = {},
): { member: Member; started: Promise<void> } {
  const { onEvent } = opts;
  const consumer = new Consumer({
    clientId: CLIENT_ID,
    bootstrapBrokers: [bootstrap],
    groupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    rebalanceTimeout: 10_000,
    maxWaitTime: 100,
    autocommit: false,
    deserializers: stringDeserializers,
    // A stream gives up after this many failed fetches in a row: enough to ride out the broker
    // restarts of group-restart (about 2 s without a broker), as an application would configure.
    retries: 40,
    retryDelay: 250,
    ...opts.config,
  });
  let stream: Awaited<ReturnType<typeof consumer.consume>> | undefined;
  let done: Promise<void> = Promise.resolve();
  const m: Member = {
    name,
    owned: [],
    processed: [],
    joins: 0,
    stop: async () => {
      await stream?.close();
      await done;
      await consumer.close();
    },
  };
  consumer.on('consumer:group:join', (e) => {
    m.owned = [...(e.assignments?.find((a) => a.topic === topic)?.partitions ?? [])].sort();
    m.joins = (m.joins ?? 0) + 1;
    m.memberId = e.memberId;
    onEvent?.({ assigned: m.owned, memberId: e.memberId, generation: e.generationId });
  });
  const started = (async () => {
    stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' });
    const s = stream;
    done = (async () => {
      try {
        for await (const message of s) {
          await message.commit();
          const p: Processed = { member: name, partition: message.partition, offset: Number(message.offset), value: String(message.value) };
          m.processed.push(p);
          onEvent?.({ processed: p });
        }
      } catch (err) {
        const causes = ((err as { errors?: Error[] }).errors ?? []).map((e) => e.message);
        m.error = `member ${name}: the stream failed: ${(err as Error).message}${causes.length ? ` (${[...new Set(causes)].join('; ')})` : ''}`;
        onEvent?.({ error: m.error });
      }
    })();
  })();
  return { member: m, started };
}

export function producer(bootstrap: string): Producer<string, string, string, string> {
  return new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], acks: ProduceAcks.ALL, idempotent: false, serializers: stringSerializers, retries: 10, retryDelay: 200 });
}

/** Produces `counts[p]` messages to partition p, valued `<phase>-<p>-<i>`; returns the values. */
export async function produce(p: Producer<string, string, string, string>, topic: string, phase: string, counts = [10, 10, 10]): Promise<string[]> {
  const messages = counts.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ topic, partition, value: `${phase}-${partition}-${i}` })));
  await p.send({ messages });
  return messages.map((m) => m.value);
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
