/**
 * Reads a topic back from the beginning without a consumer group, for the TypeScript scenarios:
 * @platformatic/kafka's `Consumer#fetch()` sends plain Fetch requests (v13+, by topic id) to a
 * partition's leader, with no FindCoordinator or JoinGroup. (`Consumer#consume()` always joins a
 * group. kafkajs has no group-less consumer at all, so its scenarios read through this where the
 * broker serves no consumer groups.)
 *
 * Every partition is read from offset 0 up to the high watermark that the fetch responses report,
 * with long polls of `maxWaitTime`; records before the requested offset (a fetch may start in the
 * middle of a batch) are dropped, as a consumer does.
 */
import { Consumer } from '@platformatic/kafka';
import { check } from './scenario.js';

export interface ReadRecord {
  partition: number;
  offset: bigint;
  /** CreateTime, or LogAppendTime when `logAppendTime`. */
  timestamp: bigint;
  logAppendTime: boolean;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, string]>;
  /** The attributes of the batch the record came in (bits 0-2: compression codec); -1 when unknown. */
  batchAttributes: number;
}

export interface ReadOptions {
  bootstrap: string;
  topic: string;
  /** Partitions 0..partitions-1 are read. */
  partitions: number;
  /** Fetch's per-partition byte limit (partition_max_bytes). */
  partitionMaxBytes?: number;
  timeoutMs?: number;
}

export async function readAll(opts: ReadOptions): Promise<ReadRecord[]> {
  const { bootstrap, topic, partitions } = opts;
  const partitionMaxBytes = opts.partitionMaxBytes ?? 1024 * 1024;
  const consumer = new Consumer({
    // Its own client id, so that a recorded exchange (RUNNEL_COMPAT_TAP) tells it from the client under test.
    clientId: 'runnel-compat-platformatic-read-back',
    bootstrapBrokers: [bootstrap],
    // Mandatory in the options, but fetch() never talks to a group coordinator.
    groupId: `${topic}-unused`,
    retries: 5,
    retryDelay: 200,
  });
  try {
    const md = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const t = md.topics.get(topic);
    check(t?.partitionsCount === partitions, `${topic} should have ${partitions} partition(s)`, t);
    const next = new Map<number, bigint>();
    const high = new Map<number, bigint>();
    for (let p = 0; p < partitions; p++) next.set(p, 0n);
    const records: ReadRecord[] = [];
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      const pending = [...next.keys()].filter((p) => !high.has(p) || next.get(p)! < high.get(p)!);
      if (pending.length === 0) return records;
      check(Date.now() < deadline, `${topic}: ${records.length} records read, partitions ${pending} not at their end`, { next, high });
      // One Fetch per leader; there is one broker, but a client cannot know that.
      for (const leader of new Set(pending.map((p) => t.partitions[p].leader))) {
        const mine = pending.filter((p) => t.partitions[p].leader === leader);
        const res = await consumer.fetch({
          node: leader,
          maxWaitTime: 100,
          maxBytes: partitionMaxBytes * mine.length,
          topics: [
            {
              topicId: t.id,
              partitions: mine.map((p) => ({
                partition: p,
                currentLeaderEpoch: t.partitions[p].leaderEpoch,
                fetchOffset: next.get(p)!,
                lastFetchedEpoch: -1,
                partitionMaxBytes,
              })),
            },
          ],
        });
        for (const tr of res.responses) {
          check(tr.topicId === t.id, `fetch answered for topic id ${tr.topicId}, asked for ${t.id}`);
          for (const pr of tr.partitions) {
            const p = pr.partitionIndex;
            check(pr.errorCode === 0, `${topic}/${p}: fetch error ${pr.errorCode}`, pr);
            high.set(p, pr.highWatermark);
            for (const batch of pr.records ?? []) {
              for (const r of batch.records) {
                const offset = batch.firstOffset + BigInt(r.offsetDelta);
                if (offset < next.get(p)!) continue;
                const logAppendTime = (batch.attributes & 0x08) !== 0;
                records.push({
                  partition: p,
                  offset,
                  timestamp: logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta,
                  logAppendTime,
                  key: r.key,
                  value: r.value,
                  headers: r.headers.map(([k, v]) => [k?.toString() ?? '', v?.toString() ?? '']),
                  batchAttributes: batch.attributes,
                });
                next.set(p, offset + 1n);
              }
            }
          }
        }
      }
    }
  } finally {
    await consumer.close();
  }
}

/** Fails with the first 20 problems, if there are any. */
export function report(label: string, problems: string[]): void {
  if (problems.length > 0) throw new Error(`${label}: ${problems.length} problem(s):\n${problems.slice(0, 20).join('\n')}`);
}

/**
 * What is wrong with the messages read back against the values `expected` (written value i to
 * partition i % `partitions`, in order): other values than those, or a partition's values out of order.
 */
export function readBackProblems(label: string, got: Array<{ partition: number; value: string }>, expected: string[], partitions: number): string[] {
  const problems: string[] = [];
  const values = got.map((m) => m.value).sort();
  if (values.join() !== [...expected].sort().join()) problems.push(`${label}: ${values.length} values, expected ${expected.length}: ${values.filter((v) => !expected.includes(v)).slice(0, 10)} unexpected`);
  for (let p = 0; p < partitions; p++) {
    const mine = got.filter((m) => m.partition === p).map((m) => m.value);
    if (mine.join() !== expected.filter((v) => mine.includes(v)).join()) problems.push(`${label}: partition ${p} out of order: ${mine}`);
  }
  return problems;
}
