/**
 * The checker of the cluster fault tests, and the load it checks. Producers (kafkajs, idempotent,
 * acks=all) write unique values and remember the offset each acknowledged value got; afterwards
 * every partition is read back with kcat and the invariant is checked: every acknowledged value is
 * present exactly once, at the offset it was acknowledged at; no offset was acknowledged twice; the
 * log's offsets increase. A tail reader (kcat, read_committed, running during the faults) adds that
 * nothing a consumer was given later changed or vanished (a read above the high watermark).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Connection, parseAddress } from '../../src/client/connection.js';
import type { MetadataResponse, ProduceResponse } from '../../src/protocol/messages/index.js';
import { createBatch } from '../../src/protocol/records.js';
import { FAILOVER_RETRY } from './cluster-client.js';
import { until } from './until.js';

const ZERO = '00000000-0000-0000-0000-000000000000';

const run = promisify(execFile);

export interface ReadRecord {
  offset: number;
  value: string;
}

/** The invariant. `acked`: value → acknowledged offset. Returns the violations (none: empty). */
export function checkAcknowledged(acked: ReadonlyMap<string, number>, read: readonly ReadRecord[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number[]>();
  let prev = -1;
  for (const r of read) {
    if (r.offset <= prev) problems.push(`offset ${r.offset} read after ${prev}`);
    prev = r.offset;
    seen.set(r.value, [...(seen.get(r.value) ?? []), r.offset]);
  }
  const byOffset = new Map<number, string>();
  for (const [value, offset] of acked) {
    const other = byOffset.get(offset);
    if (other !== undefined) problems.push(`offset ${offset} acknowledged twice (${other} and ${value})`);
    byOffset.set(offset, value);
    const at = seen.get(value);
    if (!at) problems.push(`acknowledged ${value}@${offset} lost (the offset holds ${read.find((r) => r.offset === offset)?.value ?? 'nothing'})`);
    else if (at.length !== 1) problems.push(`acknowledged ${value} present ${at.length} times (${at.join(',')})`);
    else if (at[0] !== offset) problems.push(`acknowledged ${value} at ${offset}, found at ${at[0]}`);
  }
  return problems;
}

/** kcat's `%o %s` lines as records. */
function parseLines(text: string): ReadRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const sp = l.indexOf(' ');
      return { offset: Number(l.slice(0, sp)), value: l.slice(sp + 1) };
    });
}

/** Every record of a partition as kcat reads it (read_committed by default), up to its end. */
export async function readPartition(bootstrap: string, topic: string, partition: number, opts: { readCommitted?: boolean; timeoutMs?: number } = {}): Promise<ReadRecord[]> {
  const iso = opts.readCommitted === false ? 'read_uncommitted' : 'read_committed';
  const { stdout } = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${iso}`, '-f', '%o %s\\n'], {
    maxBuffer: 256 << 20,
    timeout: opts.timeoutMs ?? 60_000,
  });
  return parseLines(stdout);
}

export interface PartitionView {
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export async function partitionsOf(admin: Admin, topic: string): Promise<PartitionView[]> {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  return md.topics[0].partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() })).sort((a, b) => a.partitionId - b.partitionId);
}

/** A topic under test: replication factor 3, min.insync.replicas 2 (acks=all survives one broker down); resolves once every ISR is full. */
export async function createReplicatedTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  await until('full ISRs', async () => ((await partitionsOf(admin, topic)).every((p) => p.isr.length === 3) ? true : undefined));
}

/** One Metadata request straight to one broker (no client retries hide a missing leader). */
export async function rawMetadata(address: string, topics: string[]): Promise<MetadataResponse> {
  const conn = await Connection.open(parseAddress(address), { connectTimeoutMs: 2000, requestTimeoutMs: 5000 });
  try {
    return await conn.request<MetadataResponse>(3, { topics: topics.map((name) => ({ name, topicId: ZERO })), allowAutoTopicCreation: false });
  } finally {
    conn.close();
  }
}

export interface LoadOptions {
  topic: string;
  partitions: number;
  /** Concurrent producers (each idempotent, one request in flight). */
  producers?: number;
  /** Records per partition per send. */
  batch?: number;
  /** Pause between sends (ms). */
  pauseMs?: number;
  /** Produce timeout.ms (the broker's wait for the ISR). */
  timeoutMs?: number;
  /**
   * A send not answered by then is given up and its producer replaced: kafkajs keeps asking a
   * stopped (SIGSTOP) broker for metadata over its still-open socket, one request timeout after
   * another. What the abandoned send may still write counts as not acknowledged.
   */
  sendDeadlineMs?: number;
}

/**
 * Idempotent acks=all producers writing unique values `p<k>-<n>` to every partition of a topic,
 * remembering what was acknowledged where. A failed send is counted and its values are simply not
 * acknowledged; a producer that fails is replaced by a new one.
 */
export class AckedLoad {
  /** partition → (value → acknowledged offset) */
  readonly acked = new Map<number, Map<string, number>>();
  failedSends = 0;
  okSends = 0;
  /** Sends whose answer lacked some partitions (see loop()). */
  partialSends = 0;
  readonly errors = new Map<string, number>();
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly producers = new Set<Producer>();

  /**
   * `kafka`: the client, or a function giving one per new producer (so that a replacement
   * producer can be bootstrapped from the brokers that are not stopped).
   */
  constructor(
    private readonly kafka: Kafka | (() => Kafka),
    private readonly o: LoadOptions,
  ) {
    for (let p = 0; p < o.partitions; p++) this.acked.set(p, new Map());
  }

  get count(): number {
    let n = 0;
    for (const m of this.acked.values()) n += m.size;
    return n;
  }

  start(): void {
    for (let k = 0; k < (this.o.producers ?? 1); k++) this.loops.push(this.loop(k));
  }

  private newProducer(): Producer {
    const kafka = typeof this.kafka === 'function' ? this.kafka() : this.kafka;
    return kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: FAILOVER_RETRY });
  }

  private async loop(k: number): Promise<void> {
    let n = 0;
    let sendNo = k;
    let producer: Producer | undefined;
    while (!this.stopped) {
      try {
        if (!producer) {
          producer = this.newProducer();
          this.producers.add(producer);
          await producer.connect();
        }
        // One partition per send: kafkajs retries a send that spans brokers only towards brokers
        // that have not answered yet, so after a leader move it skips a partition whose sequence
        // it had rolled back, and its next batch reuses that sequence (answered as a duplicate of
        // different records). A send to a single partition does not run into that.
        const target = sendNo++ % this.o.partitions;
        const messages = [];
        for (let i = 0; i < (this.o.batch ?? 5); i++) messages.push({ partition: target, value: `p${k}-${n++}` });
        const sending = producer.send({ topic: this.o.topic, acks: -1, timeout: this.o.timeoutMs ?? 10_000, messages });
        sending.catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('send deadline passed; producer replaced')), this.o.sendDeadlineMs ?? 15_000);
        });
        const res = await Promise.race([sending, deadline]).finally(() => clearTimeout(timer));
        // A send answered without its partition (see above) is not counted as acknowledged.
        let missing = 0;
        for (const p of [target]) {
          const r = res.find((x) => x.partition === p);
          if (!r || r.errorCode !== 0) {
            missing++;
            continue;
          }
          const base = Number(r.baseOffset);
          const mine = messages.filter((m) => m.partition === p);
          const map = this.acked.get(p)!;
          mine.forEach((m, i) => map.set(m.value, base + i));
        }
        this.partialSends += missing > 0 ? 1 : 0;
        this.okSends++;
      } catch (err) {
        this.failedSends++;
        const key = ((err as Error).name ?? 'Error') + ': ' + String((err as Error).message).slice(0, 80);
        this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
        if (producer) {
          this.producers.delete(producer);
          // Not awaited: a producer stuck on a stopped broker would hold the loop up.
          void producer.disconnect().catch(() => undefined);
          producer = undefined;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      if (this.o.pauseMs) await new Promise((r) => setTimeout(r, this.o.pauseMs));
    }
    if (producer) {
      this.producers.delete(producer);
      await producer.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Reads every partition back and checks the invariant; also returns what was read. */
  async check(bootstrap: string): Promise<{ problems: string[]; reads: Map<number, ReadRecord[]>; summary: string }> {
    const problems: string[] = [];
    const reads = new Map<number, ReadRecord[]>();
    for (let p = 0; p < this.o.partitions; p++) {
      const read = await readPartition(bootstrap, this.o.topic, p);
      reads.set(p, read);
      for (const pr of checkAcknowledged(this.acked.get(p)!, read)) problems.push(`${this.o.topic}-${p}: ${pr}`);
    }
    const total = [...reads.values()].reduce((a, r) => a + r.length, 0);
    const summary = `acknowledged ${this.count} records in ${this.okSends} sends (${this.failedSends} failed, ${this.partialSends} answered in part), read back ${total}; problems ${problems.length}`;
    return { problems: problems.slice(0, 50), reads, summary };
  }
}

/**
 * kcat consumers (read_committed, no group) tailing each partition while faults happen. What they
 * were given must be what the log finally holds at those offsets, and their offsets must increase:
 * a record served and later truncated is a read above the high watermark.
 */
export class TailReader {
  private readonly procs: ChildProcess[] = [];
  readonly seen = new Map<number, ReadRecord[]>();
  private readonly rest = new Map<number, string>();

  constructor(
    private readonly bootstrap: string,
    private readonly topic: string,
    private readonly partitions: number,
  ) {}

  start(): void {
    for (let p = 0; p < this.partitions; p++) {
      this.seen.set(p, []);
      this.rest.set(p, '');
      const proc = spawn('kcat', ['-b', this.bootstrap, '-C', '-t', this.topic, '-p', String(p), '-o', 'beginning', '-q', '-u', '-X', 'isolation.level=read_committed', '-f', '%o %s\\n'], { stdio: ['ignore', 'pipe', 'ignore'] });
      proc.stdout!.on('data', (d: Buffer) => {
        const text = this.rest.get(p)! + d.toString();
        const cut = text.lastIndexOf('\n');
        this.rest.set(p, text.slice(cut + 1));
        if (cut >= 0) this.seen.get(p)!.push(...parseLines(text.slice(0, cut)));
      });
      this.procs.push(proc);
    }
  }

  get count(): number {
    let n = 0;
    for (const s of this.seen.values()) n += s.length;
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((res) => {
            if (p.exitCode !== null || p.signalCode !== null) return res();
            p.once('exit', () => res());
            p.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Against the final log of each partition (offset → value). */
  check(finalReads: ReadonlyMap<number, readonly ReadRecord[]>): string[] {
    const problems: string[] = [];
    for (const [p, seen] of this.seen) {
      const final = new Map((finalReads.get(p) ?? []).map((r) => [r.offset, r.value]));
      let prev = -1;
      for (const r of seen) {
        if (r.offset <= prev) problems.push(`${this.topic}-${p}: consumer got offset ${r.offset} after ${prev}`);
        prev = r.offset;
        const v = final.get(r.offset);
        if (v !== r.value) problems.push(`${this.topic}-${p}: consumer got ${r.value}@${r.offset}, the log now has ${v ?? 'nothing'} there`);
      }
    }
    return problems.slice(0, 50);
  }
}

/** A Produce straight to one broker (a plain batch, no producer id); its partition's error code and base offset. */
export async function rawProduce(address: string, topic: string, partition: number, values: string[], acks: number, timeoutMs = 5000): Promise<{ errorCode: number; baseOffset: number }> {
  const conn = await Connection.open(parseAddress(address), { connectTimeoutMs: 2000, requestTimeoutMs: timeoutMs + 5000 });
  try {
    const records = createBatch(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })));
    const res = await conn.request<ProduceResponse>(0, { transactionalId: null, acks, timeoutMs, topicData: [{ name: topic, topicId: ZERO, partitionData: [{ index: partition, records }] }] });
    const p = res.responses[0].partitionResponses[0];
    return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset) };
  } finally {
    conn.close();
  }
}

/**
 * Metadata every `everyMs` from one of the brokers `up()` names (in turn): every partition of
 * `topics` must have a leader (no error code, leader ≥ 0) that the same response lists as a live
 * broker. A broker that does not answer is skipped (counted), not a problem.
 */
export class LeaderSampler {
  samples = 0;
  unanswered = 0;
  readonly problems: string[] = [];
  private stopped = false;
  private done: Promise<void> | undefined;

  constructor(
    private readonly topics: string[],
    private readonly up: () => string[],
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.done = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const addrs = this.up();
        if (addrs.length > 0) {
          const addr = addrs[i % addrs.length];
          try {
            const md = await rawMetadata(addr, this.topics);
            this.samples++;
            const live = new Set(md.brokers.map((b) => b.nodeId));
            for (const t of md.topics) {
              if (t.errorCode !== 0) this.problems.push(`${new Date().toISOString()} via ${addr}: topic ${t.name} error ${t.errorCode}`);
              for (const p of t.partitions)
                if (p.errorCode !== 0 || p.leaderId < 0 || !live.has(p.leaderId))
                  this.problems.push(`${new Date().toISOString()} via ${addr}: ${t.name}-${p.partitionIndex} error ${p.errorCode} leader ${p.leaderId} live [${[...live]}]`);
            }
          } catch {
            this.unanswered++;
          }
        }
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}
