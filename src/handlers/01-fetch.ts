/**
 * Fetch (key 1), v4–v18, as Kafka 4.1 serves (v0–v3 need message formats v0/v1).
 *
 * Topics by name, or by id from v13 (UNKNOWN_TOPIC_ID). Each partition returns the stored batches
 * from the one containing the fetch offset (a fetch in the middle of a batch gets the whole batch;
 * the client skips the records before its offset), bounded by the partition's max bytes and the
 * request's max bytes (capped by fetch.max.bytes), with the "at least one batch" rule for the first
 * partition that has data. The bytes are the stored ones, written to the socket without a copy.
 * An empty record set is zero bytes, not null. A fetch with a
 * replica id (v4–v14, or the replica state from v15) is a follower's: only the leader serves it, up
 * to its log end, recording the follower's progress (high watermark, ISR); a broker id that is not
 * a follower of the partition gets NOT_LEADER_OR_FOLLOWER. A partition led elsewhere names its
 * leader and endpoint (KIP-951, v12+ / v16+).
 *
 * Fetch from follower (KIP-392), in a cluster: a consumer's fetch from v11 is served by a follower
 * too (Kafka's fetchOnlyFromLeader=false), up to the high watermark the follower has from its
 * leader, with the same leader epoch checks (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH) and
 * OFFSET_OUT_OF_RANGE only outside [log start, log end] (between its high watermark and its log
 * end the answer is empty). With replica.selector.class set, the leader answers a consumer whose
 * rack_id names a rack holding an in-sync follower (and not the leader) with that follower as
 * preferred_read_replica and no records, at once; elsewhere preferred_read_replica is -1.
 * Deviation: a follower's high watermark reaches it with its next fetch from the leader, so
 * records become readable there up to replica.fetch.wait.max.ms later than on the leader (Kafka's
 * followers lag the same way).
 *
 * When less than min.bytes is ready, the request waits up to max.wait.ms and is woken by the next
 * append to any partition it asked for. Incremental fetch sessions (KIP-227) from v7, see
 * src/fetch/session-cache.ts. read_committed stops at the last stable offset and returns the
 * aborted transactions of the batches returned, each at its first batch there, sorted, and ends
 * the response where @platformatic/kafka could not filter further (see src/fetch/aborted-txns.ts:
 * what Kafka's list says, in a form kafkajs and @platformatic/kafka also read right).
 *
 * Authorization (Kafka's KafkaApis): a follower's fetch needs CLUSTER_ACTION on the cluster, else
 * every partition is TOPIC_AUTHORIZATION_FAILED; a consumer's needs READ on each topic
 * (TOPIC_AUTHORIZATION_FAILED for its partitions, before UNKNOWN_TOPIC_OR_PARTITION).
 *
 * Quotas (consumers only): the response is capped to what consumer_byte_rate allows in one quota
 * window; when the bytes read put the client over its quota, they are not counted and an empty
 * response with throttle_time_ms goes out instead, and the connection is muted for that long, as
 * Kafka does. Deviation: the request quota (request_percentage) adds its throttle time but does not
 * empty the response.
 */
import type { FetchRequest, FetchResponse, FetchResponsePartitionData, FetchResponseFetchableTopicResponse } from '../protocol/messages/index.js';
import { FetchRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { FetchSession, type FetchPosition, type SessionPartition } from '../fetch/session-cache.js';
import { readCommittedView } from '../fetch/aborted-txns.js';
import { findTopic, findPartition, leaderEpochError } from './common/partitions.js';
import { partitionErrorCode } from '../partitions/partition-errors.js';
import { defineHandler, type HandlerContext } from './types.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import { fetchQuotaMaxBytes, fetchThrottleMs } from '../quotas/byte-rate.js';
import { leaderEndpoints } from './common/leader-endpoints.js';
import { AclOp, ResourceType, checker, clusterAllowed } from './common/authz.js';

const EMPTY = Buffer.alloc(0);
const INITIAL_EPOCH = 0;
const FINAL_EPOCH = -1;

interface Wanted extends FetchPosition {
  session?: SessionPartition;
}

function keyOf(ctx: HandlerContext, topic: string | null, topicId: string, partition: number): { key: string; name: string | null } {
  const name = topicId !== ZERO_UUID ? (ctx.broker.topics.getById(topicId)?.name ?? null) : topic;
  return { key: `${name ?? `id:${topicId}`}:${partition}`, name };
}

function emptyPartition(index: number, errorCode: number): FetchResponsePartitionData {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

interface ReadOutcome {
  data: FetchResponsePartitionData;
  bytes: number;
  log?: PartitionHandle;
}

/** A follower's fetch: the broker id it names (-1 for consumers). */
function replicaIdOf(req: FetchRequest, v: number): number {
  return v >= 15 ? req.replicaState.replicaId : req.replicaId;
}

/** A consumer's fetch from v11 (KIP-392), which a follower may serve: the client's rack ('' for none). */
interface FollowerFetch {
  clientRack: string;
}

/**
 * Kafka's order: a follower needs CLUSTER_ACTION (every partition TOPIC_AUTHORIZATION_FAILED
 * without it); a consumer READ on each topic, checked after an unknown topic id and before an
 * unknown name (no leak).
 */
function readCheck(ctx: HandlerContext, replicaId: number): (topic: string | null) => boolean {
  if (replicaId >= 0) {
    const ok = clusterAllowed(ctx, AclOp.CLUSTER_ACTION);
    return () => ok;
  }
  const mayRead = checker(ctx, AclOp.READ, ResourceType.TOPIC);
  return (topic) => topic === null || mayRead(topic);
}

async function readPartition(ctx: HandlerContext, w: Wanted, budget: number, minOne: boolean, readCommitted: boolean, replicaId: number, ff: FollowerFetch | undefined, mayRead: (topic: string | null) => boolean): Promise<ReadOutcome> {
  if (!mayRead(w.topic)) return { data: emptyPartition(w.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED), bytes: 0 };
  const found = findTopic(ctx.broker, w.topic, w.topicId);
  if (!found.topic) return { data: emptyPartition(w.partition, found.errorCode), bytes: 0 };
  const parts = ctx.broker.partitions;
  const lookup = ff && parts.getReadableOrError ? parts.getReadableOrError(found.topic.name, w.partition) : findPartition(ctx.broker, found.topic, w.partition);
  const { partition: log, errorCode, leader } = lookup;
  const follower = 'follower' in lookup && lookup.follower === true;
  if (!log) {
    const data = emptyPartition(w.partition, errorCode);
    if (leader) data.currentLeader = { ...leader };
    return { data, bytes: 0 };
  }
  const epochError = leaderEpochError(w.currentLeaderEpoch, log);
  const data = emptyPartition(w.partition, epochError);
  data.highWatermark = BigInt(log.highWatermark);
  data.lastStableOffset = BigInt(log.lastStableOffset);
  data.logStartOffset = BigInt(log.logStartOffset);
  data.abortedTransactions = readCommitted ? [] : null;
  if (epochError !== ErrorCode.NONE) return { data, bytes: 0, log };
  if (ff && !follower && parts.preferredReadReplica) {
    // The leader points the client at a follower in its rack and returns no records (as Kafka).
    const preferred = parts.preferredReadReplica(found.topic.name, w.partition, ff.clientRack, Number(w.fetchOffset));
    if (preferred >= 0) {
      data.preferredReadReplica = preferred;
      ctx.broker.metrics.preferredReadReplica?.(found.topic.name);
      return { data, bytes: 0, log };
    }
  }
  try {
    const limit = Math.min(w.maxBytes, budget);
    const from = Number(w.fetchOffset);
    // read_committed stops at the last stable offset and names the aborted transactions in range,
    // so the client can drop their records (it sees the abort markers too).
    const r =
      replicaId >= 0
        ? await log.readAsReplica(replicaId, from, Math.max(limit, 0))
        : await log.read(from, Math.max(limit, 0), { minOneBatch: minOne, isolation: readCommitted ? 'read_committed' : 'read_uncommitted' });
    if (r.abortedTransactions) {
      const view = readCommittedView(r.abortedTransactions, r.records);
      r.records = view.records;
      data.abortedTransactions = view.aborted;
    }
    data.records = r.records;
    data.highWatermark = BigInt(r.highWatermark);
    data.lastStableOffset = BigInt(r.lastStableOffset);
    data.logStartOffset = BigInt(r.logStartOffset);
    ctx.broker.metrics.fetched(found.topic.name, r.records.length);
    if (replicaId < 0) ctx.broker.metrics.servedToConsumer?.(found.topic.name, follower ? 'follower' : 'leader', r.records);
    return { data, bytes: r.records.length, log };
  } catch (err) {
    data.errorCode = partitionErrorCode(err, ctx.log, { topic: found.topic.name, partition: w.partition }).code;
    ctx.broker.metrics.partitionError('Fetch', data.errorCode);
    return { data, bytes: 0, log };
  }
}

export default defineHandler<FetchRequest, FetchResponse>(FetchRequestMeta, {
  minVersion: 4,
  note: 'fetch sessions (KIP-227), long polling woken by appends; follower fetches (replica id) from v4; fetch from follower (KIP-392: rack_id, preferred_read_replica, a follower serves consumers up to its high watermark) from v11 in a cluster',
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const cache = ctx.broker.fetchSessions;
    const response = (errorCode: number, sessionId: number, responses: FetchResponseFetchableTopicResponse[]): FetchResponse => ({
      throttleTimeMs: 0,
      errorCode,
      sessionId,
      responses,
      nodeEndpoints: [],
    });

    // Which partitions this request fetches, and in which session.
    const requested: Wanted[] = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const { key, name } = keyOf(ctx, v >= 13 ? null : t.topic, v >= 13 ? t.topicId : ZERO_UUID, p.partition);
        requested.push({ key, topic: name ?? (v >= 13 ? null : t.topic), topicId: v >= 13 ? t.topicId : ZERO_UUID, partition: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch });
      }
    }
    let session: FetchSession | undefined;
    let incremental = false;
    if (v >= 7) {
      if (req.sessionEpoch === FINAL_EPOCH) {
        if (req.sessionId !== 0) cache.remove(req.sessionId);
      } else if (req.sessionEpoch === INITIAL_EPOCH) {
        if (req.sessionId !== 0) cache.remove(req.sessionId);
        if (cache.maxSessions > 0) session = cache.create();
      } else {
        session = cache.get(req.sessionId);
        if (!session) return response(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0, []);
        if (session.nextEpoch !== req.sessionEpoch) return response(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, []);
        incremental = true;
      }
    }
    let wanted: Wanted[] = requested;
    if (session) {
      if (!incremental) session.partitions.clear();
      for (const w of requested) {
        const prev = session.partitions.get(w.key);
        const sp: SessionPartition = prev ?? { key: w.key, topic: w.topic, topicId: w.topicId, partition: w.partition, fetchOffset: 0n, maxBytes: 0, currentLeaderEpoch: -1, lastHighWatermark: -2n, lastStableOffset: -2n, lastLogStartOffset: -2n };
        sp.fetchOffset = w.fetchOffset;
        sp.maxBytes = w.maxBytes;
        sp.currentLeaderEpoch = w.currentLeaderEpoch;
        session.partitions.set(w.key, sp);
      }
      for (const f of req.forgottenTopicsData)
        for (const p of f.partitions) session.partitions.delete(keyOf(ctx, v >= 13 ? null : f.topic, v >= 13 ? f.topicId : ZERO_UUID, p).key);
      if (incremental) session.bumpEpoch();
      wanted = [...session.partitions.values()].map((sp) => ({ ...sp, session: sp }));
    }

    const replicaId = replicaIdOf(req, v);
    if (replicaId >= 0) ctx.quotaExempt = true;
    const maxBytes = Math.min(req.maxBytes, ctx.broker.config.int('fetch.max.bytes'), replicaId >= 0 ? Infinity : fetchQuotaMaxBytes(ctx));
    // A follower reads what the leader has written, committed or not.
    const readCommitted = req.isolationLevel === 1 && replicaId < 0;
    const ff: FollowerFetch | undefined = replicaId < 0 && v >= 11 ? { clientRack: req.rackId ?? '' } : undefined;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    const mayRead = readCheck(ctx, replicaId);
    let outcomes: ReadOutcome[];
    for (;;) {
      outcomes = [];
      let total = 0;
      for (const w of wanted) {
        const o = await readPartition(ctx, w, maxBytes - total, total === 0, readCommitted, replicaId, ff, mayRead);
        total += o.bytes;
        outcomes.push(o);
      }
      // A preferred read replica is answered at once, as an error is (Kafka's hasPreferredReadReplica).
      const hasError = outcomes.some((o) => o.data.errorCode !== 0 || o.data.preferredReadReplica >= 0);
      const wait = deadline - Date.now();
      if (total >= req.minBytes || hasError || wait <= 0 || wanted.length === 0) break;
      await waitForAppend(outcomes.map((o) => o.log).filter((l): l is PartitionHandle => !!l), wait, replicaId >= 0);
    }

    // consumer_byte_rate: over it, nothing is returned (the session's partitions keep their state).
    if (replicaId < 0) {
      const throttleTimeMs = fetchThrottleMs(ctx, outcomes.reduce((n, o) => n + (o.data.records?.length ?? 0), 0));
      if (throttleTimeMs > 0) return { ...response(ErrorCode.NONE, session?.id ?? 0, []), throttleTimeMs };
    }

    // Group by topic in request order; an incremental response names only partitions with news.
    const byTopic = new Map<string, FetchResponseFetchableTopicResponse>();
    const served: string[] = [];
    outcomes.forEach((o, i) => {
      const w = wanted[i];
      const d = o.data;
      if (w.session) {
        const sp = w.session;
        const news = (d.records?.length ?? 0) > 0 || d.errorCode !== 0 || d.preferredReadReplica >= 0 || d.highWatermark !== sp.lastHighWatermark || d.lastStableOffset !== sp.lastStableOffset || d.logStartOffset !== sp.lastLogStartOffset;
        sp.lastHighWatermark = d.highWatermark;
        sp.lastStableOffset = d.lastStableOffset;
        sp.lastLogStartOffset = d.logStartOffset;
        if ((d.records?.length ?? 0) > 0) served.push(sp.key);
        if (incremental && !news) return;
      }
      const tkey = w.topicId !== ZERO_UUID ? w.topicId : (w.topic ?? '');
      let t = byTopic.get(tkey);
      if (!t) {
        t = { topic: w.topic ?? '', topicId: w.topicId, partitions: [] };
        byTopic.set(tkey, t);
      }
      t.partitions.push(d);
    });
    session?.rotate(served);
    const res = response(ErrorCode.NONE, session?.id ?? 0, [...byTopic.values()]);
    if (v >= 16) res.nodeEndpoints = leaderEndpoints(ctx, outcomes.map((o) => o.data.currentLeader.leaderId));
    return res;
  },
});

/** Until new data may be returned: a committed record for consumers, a written one for followers. */
function waitForAppend(logs: PartitionHandle[], ms: number, replica: boolean): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const u of unsubscribe) u();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const l of logs) unsubscribe.push(replica ? l.onLogEnd(done) : l.onHighWatermark(done));
  });
}
