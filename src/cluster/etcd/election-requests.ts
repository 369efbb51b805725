/**
 * ElectLeaders in a cluster (docs/cluster-design.md "Leader elections"): any broker may receive the
 * request, but only the active controller changes leadership. So the receiving broker writes the
 * request as a key P/elections/<broker>-<uuid> under its own lease (a request dies with the broker
 * that waits for it), the controller elects (each partition a compare-and-swap guarded by its
 * controller key, as every other leadership change) and writes the per-partition outcome into the
 * same key (guarded again, and on the key's mod revision so that an answer is written once), and
 * the receiving broker answers from it and deletes the key. A request no controller answered
 * within its timeout is deleted and answered REQUEST_TIMED_OUT; one that was pending when the
 * controller changed is served by the next controller.
 */
import { randomUUID } from 'node:crypto';
import type { ElectionRequest, ElectionResults, PartitionElectionResult } from '../../ports/leader-elections.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { MetadataImage } from '../metadata-image.js';
import { within } from './client.js';
import type { ClusterView } from './election.js';
import type { EtcdControl } from './etcd-control.js';
import type { WriteGuard } from './partition-cas.js';
import { ELECTION_MESSAGES, electionOutcome, type ElectionType, type PartitionRef } from './preferred-election.js';

interface StoredElectionRequest {
  type: ElectionType;
  /** null: every partition of every topic. */
  partitions: PartitionRef[] | null;
  answer?: ElectionResults;
}

const prefixOf = (control: EtcdControl) => `${control.keys.root}/elections/`;

function parse(text: string): StoredElectionRequest | undefined {
  try {
    const v = JSON.parse(text) as Partial<StoredElectionRequest>;
    if (v.type !== 0 && v.type !== 1) return undefined;
    if (v.partitions !== null && !(Array.isArray(v.partitions) && v.partitions.every((p) => p && typeof p.topic === 'string' && Number.isInteger(p.partition)))) return undefined;
    return { type: v.type, partitions: v.partitions, answer: v.answer };
  } catch {
    return undefined;
  }
}

/** What a broker sees alive and shutting down (the controller's own view). */
export function clusterView(control: EtcdControl, image: MetadataImage): ClusterView {
  const down = control.state.shuttingDown();
  return { alive: (id) => image.broker(id) !== undefined, shuttingDown: (id) => down.has(id) };
}

// ------------------------------------------------------------------ the receiving broker

/** Writes the request, waits for the controller's answer (or the timeout) and removes the key. */
export async function requestElection(control: EtcdControl, req: ElectionRequest): Promise<ElectionResults | 'timeout'> {
  const lease = control.session.currentLease;
  if (!lease || !control.registered) return 'timeout';
  const key = `${prefixOf(control)}${control.brokerId}-${randomUUID()}`;
  const answered = (): ElectionResults | undefined => {
    const s = control.state.get(key);
    return s ? parse(s.value)?.answer : undefined;
  };
  let stop = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  const outcome = new Promise<ElectionResults | 'timeout'>((resolve) => {
    const check = () => {
      const a = answered();
      if (a) resolve(a);
    };
    stop = control.onImage(check);
    timer = setTimeout(() => resolve('timeout'), Math.max(0, req.timeoutMs));
  });
  try {
    const value: StoredElectionRequest = { type: req.type, partitions: req.partitions };
    await lease.put(key).value(JSON.stringify(value)).options(within(control.timeoutMs));
    return await outcome;
  } finally {
    stop();
    clearTimeout(timer);
    await control.client
      .delete()
      .key(key)
      .options(within(control.timeoutMs))
      .exec()
      .catch(() => undefined);
  }
}

// ------------------------------------------------------------------ the controller

/**
 * Serves every pending request: elects, then writes the answer. 'fenced' when this broker is no
 * longer the controller (its writes were refused). Throws when etcd fails: the controller retries.
 */
export async function serveElectionRequests(control: EtcdControl, guard: WriteGuard, onElected?: (topic: string, partition: number, leader: number) => void): Promise<'fenced' | undefined> {
  for (const [key, stored] of control.state.under(prefixOf(control))) {
    const req = parse(stored.value);
    if (!req) {
      control.log.warn({ key }, 'controller: ignoring an election request it does not understand');
      continue;
    }
    if (req.answer) continue;
    const answer = await elect(control, guard, req, onElected);
    if (answer === 'fenced') return 'fenced';
    const { client } = control;
    const res = await client
      .if(key, 'Mod', '==', stored.modRevision)
      .and(guard.key, guard.target, '==', Number(guard.value))
      .then(client.put(key).value(JSON.stringify({ ...req, answer })).ignoreLease())
      .else(client.get(guard.key))
      .options(within(control.timeoutMs))
      .commit();
    if (res.succeeded) await control.caughtUp(Number(res.header.revision));
    else if (res.responses[0]?.response_range?.kvs[0]?.create_revision !== guard.value) return 'fenced';
  }
  return undefined;
}

async function elect(control: EtcdControl, guard: WriteGuard, req: StoredElectionRequest, onElected?: (topic: string, partition: number, leader: number) => void): Promise<ElectionResults | 'fenced'> {
  const image = control.image();
  const all = req.partitions === null;
  const wanted: PartitionRef[] = all ? image.topics().flatMap((t) => t.partitionStates.map((p) => ({ topic: t.name, partition: p.partition }))) : req.partitions!;
  const results: PartitionElectionResult[] = [];
  const done = new Set<string>();
  for (const { topic, partition } of wanted) {
    const id = `${topic}\u0000${partition}`;
    if (done.has(id)) continue;
    done.add(id);
    const r = await electOne(control, guard, topic, partition, req.type, onElected);
    if (r === 'fenced') return 'fenced';
    // All partitions: Kafka leaves out those that needed no election.
    if (!all || r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) results.push(r);
  }
  return { topics: all ? image.topics().map((t) => t.name) : undefined, results };
}

async function electOne(control: EtcdControl, guard: WriteGuard, topic: string, partition: number, type: ElectionType, onElected?: (topic: string, partition: number, leader: number) => void): Promise<PartitionElectionResult | 'fenced'> {
  const answer = (errorCode: number, errorMessage: string | null = ELECTION_MESSAGES[errorCode] ?? null): PartitionElectionResult => ({ topic, partition, errorCode, errorMessage });
  const t = control.image().topic(topic);
  if (!t) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such topic as ${topic}`);
  const p = t.partitionStates[partition];
  if (!p || partition < 0) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such partition as ${topic}-${partition}`);
  // A refusal on the image is final; an election is decided again on the stored state.
  const first = electionOutcome(type, p, p.replicas, clusterView(control, control.image()));
  if (first.error !== 0) return answer(first.error);
  let error = 0;
  const res = await control.casPartition(topic, partition, guard, (cur, replicas) => {
    const o = electionOutcome(type, cur, replicas, clusterView(control, control.image()));
    error = o.error;
    return o.next;
  });
  if (!res.ok) return res.reason === 'fenced' ? 'fenced' : answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such partition as ${topic}-${partition}`);
  if (error !== 0) return answer(error);
  control.log.info({ topic, partition, leader: res.state.leader, isr: res.state.isr, leaderEpoch: res.state.leaderEpoch, election: type === 0 ? 'preferred' : 'unclean' }, 'controller: leader elected on request');
  onElected?.(topic, partition, res.state.leader);
  return answer(0, null);
}
