/**
 * Produce (key 0): served v3–v13, advertised from v0.
 *
 * v0–v2 carry message formats v0/v1, which Runnel does not store: every partition gets
 * UNSUPPORTED_FOR_MESSAGE_FORMAT. They stay advertised because librdkafka turns compression off
 * when the advertised minimum is not 0 (KAFKA-18659), as Kafka 4 found.
 *
 * Each partition's records must be exactly one v2 batch (INVALID_RECORD otherwise). Its header is
 * validated (sizes, magic, CRC-32C, count against offsets, attributes) and checked against
 * max.message.bytes (MESSAGE_TOO_LARGE). Its records are then checked one by one where
 * src/protocol/record-validation.ts decides it is needed (always for uncompressed batches; compressed
 * ones only for a compacted topic, a recompression, a LogAppendTime flag, or a CreateTime header
 * that cannot be right or cannot decide the timestamp bounds), as Kafka's LogValidator does: record
 * structure (INVALID_RECORD), a key on compacted topics (INVALID_RECORD), CreateTime timestamps
 * within message.timestamp.before/after.max.ms (INVALID_TIMESTAMP), each failed record named in
 * record_errors with Kafka's message. With CreateTime the max timestamp found in the records is
 * written into the header (CRC recomputed), as Kafka stores it. The batch is recompressed only when
 * the topic's compression.type is a codec other than the batch's, and appended as bytes. A bad
 * partition never fails its neighbours. acks=0 gets no response (errors are logged); acks=1 is
 * answered once the leader has the batch in its log (and fsynced with runnel.fsync.on.ack), acks=-1
 * once every in-sync replica has it (NOT_ENOUGH_REPLICAS below min.insync.replicas); timeout.ms
 * bounds that wait with REQUEST_TIMED_OUT, one timer per request. A partition led elsewhere is
 * NOT_LEADER_OR_FOLLOWER with the current leader and its endpoint (KIP-951, v10+). v13 names
 * topics by id.
 *
 * Two phases: every partition's batch is validated and appended (offsets assigned) first, then the
 * handler tells the connection (ctx.applied) and waits for the writes, fsyncs or replicas. The
 * connection starts the next request in between, so a pipelining client's next batch is validated
 * while this one's write lands; responses still leave in request order (src/server/connection.ts).
 *
 * A transactional batch needs the request's transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 * without one, as Kafka answers) and the current producer of that id (INVALID_PRODUCER_EPOCH).
 * Up to v11 its partition must have been added with AddPartitionsToTxn (INVALID_TXN_STATE, or
 * TRANSACTION_ABORTABLE for v11); v12+ is transaction protocol version 2 (KIP-890), where the
 * produce itself adds the partition to the transaction.
 *
 * Authorization (Kafka's KafkaApis): a request carrying transactional batches needs WRITE on its
 * transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every partition otherwise); each topic
 * needs WRITE (TOPIC_AUTHORIZATION_FAILED, answered before UNKNOWN_TOPIC_OR_PARTITION so that a
 * denied client learns nothing of which topics exist). Idempotent producers need nothing more
 * (Kafka 2.8+). Auto-creation on produce needs CREATE on the cluster or the topic, as on Metadata.
 *
 * Deviations: a compressed batch whose records need no check keeps the header's max timestamp (when
 * it is not below the base timestamp) and its records' structure is not verified; Kafka
 * decompresses every batch. Record offset deltas are not rewritten when they are not consecutive
 * (Kafka rebuilds such a compressed batch; it keeps an uncompressed one as is). A compressed payload
 * that does not decompress is CORRUPT_MESSAGE (Kafka fails with an unknown server error). An
 * unknown topic is created on produce when auto.create.topics.enable is on (Kafka only creates on
 * Metadata; clients reach the same state).
 */
import type { ProduceRequest, ProduceResponse, ProduceResponsePartitionProduceResponse } from '../protocol/messages/index.js';
import { ProduceRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { Attr, BATCH_HEADER_SIZE, BatchError, batchSizeAt, readBatchHeader, setCreateTimeMax, validateProducedBatch } from '../protocol/record-batch.js';
import { producedRecords, recompressBatch } from '../protocol/batch-records.js';
import { checkRecords, lookInside, RecordValidationError, type RecordRules } from '../protocol/record-validation.js';
import { codecId } from '../protocol/compression.js';
import { invalidTopicName } from '../cluster/topic-names.js';
import { findTopic, findPartition } from './common/partitions.js';
import { partitionErrorCode } from '../partitions/partition-errors.js';
import { defineHandler, NO_RESPONSE, type HandlerContext } from './types.js';
import type { TopicInfo } from '../cluster/topics.js';
import { leaderEndpoints } from './common/leader-endpoints.js';
import { produceThrottleMs } from '../quotas/byte-rate.js';
import { AclOp, ResourceType, authzEnabled, checker, mayCreateTopic, transactionalIdDenied } from './common/authz.js';

type PartitionResult = ProduceResponsePartitionProduceResponse;

function result(index: number, errorCode: number, errorMessage: string | null = null): PartitionResult {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
}

const DENIED = { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };

/** The topic to append to, or the error for its partitions; WRITE is checked before existence (no leak), as Kafka. */
async function topicFor(ctx: HandlerContext, name: string, topicId: string, mayWrite: (topic: string) => boolean): Promise<{ topic?: TopicInfo; errorCode: number }> {
  const found = findTopic(ctx.broker, ctx.apiVersion >= 13 ? null : name, ctx.apiVersion >= 13 ? topicId : undefined);
  if (ctx.apiVersion >= 13) return found.topic && !mayWrite(found.topic.name) ? DENIED : found;
  if (!mayWrite(name)) return DENIED;
  if (found.topic) return found;
  if (invalidTopicName(name)) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
  const { config, topics } = ctx.broker;
  if (!config.bool('auto.create.topics.enable') || topics.collidesWith(name) || !mayCreateTopic(ctx, name)) return found;
  const created = await topics.create(name, config.int('num.partitions'));
  ctx.broker.log.info({ topic: name, partitions: created.partitions, id: created.id, by: ctx.header.clientId }, 'topic auto-created on produce');
  return { topic: created, errorCode: 0 };
}

/** One timer per request, started by the first partition that waits for replicas or an fsync. */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private expired: Promise<'timeout'> | undefined;
  constructor(readonly ms: number) {}
  race<T>(p: Promise<T>): Promise<T | 'timeout'> {
    this.expired ??= new Promise((resolve) => (this.timer = setTimeout(() => resolve('timeout'), this.ms)));
    return Promise.race([p, this.expired]);
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

/** A partition's outcome, wrapped so that awaiting the placement does not wait for the write. */
interface Placed {
  done: Promise<PartitionResult>;
}

function failed(ctx: HandlerContext, topic: string, index: number, err: unknown): PartitionResult {
  const { code, message } = partitionErrorCode(err, ctx.log, { topic, partition: index });
  ctx.broker.metrics.partitionError('Produce', code);
  const r = result(index, code, message);
  if (err instanceof RecordValidationError) r.recordErrors = err.recordErrors;
  else if (code === ErrorCode.INVALID_RECORD || code === ErrorCode.CORRUPT_MESSAGE) r.recordErrors = [{ batchIndex: 0, batchIndexErrorMessage: message }];
  return r;
}

/**
 * Validates a partition's batch and appends it (its offsets are assigned when this resolves);
 * `done` then settles once the write, fsync or replicas the acks ask for are there.
 */
async function placePartition(ctx: HandlerContext, req: ProduceRequest, topic: TopicInfo, index: number, records: Buffer | null, deadline: Deadline): Promise<Placed> {
  const found = findPartition(ctx.broker, topic, index);
  const log = found.partition;
  if (!log) {
    const r = result(index, found.errorCode, found.message ?? null);
    if (found.leader) r.currentLeader = { ...found.leader };
    return { done: Promise.resolve(r) };
  }
  if (ctx.apiVersion < 3) return { done: Promise.resolve(result(index, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'message formats v0 and v1 are not supported; use Produce v3+')) };
  try {
    if (records === null || records.length === 0) throw new BatchError(ErrorCode.INVALID_RECORD, 'produce requests must carry one record batch');
    const first = batchSizeAt(records);
    if (first >= BATCH_HEADER_SIZE && first < records.length)
      throw new BatchError(ErrorCode.INVALID_RECORD, 'produce requests v3+ must carry exactly one record batch per partition');
    const cfg = log.config();
    if (records.length > cfg.maxMessageBytes)
      throw new BatchError(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${records.length} bytes exceeds max.message.bytes (${cfg.maxMessageBytes})`);
    let batch = records;
    let info = validateProducedBatch(batch);
    if (info.attributes & Attr.TRANSACTIONAL) {
      const txnError =
        req.transactionalId === null
          ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
          : // A transaction coordinated on another broker is not verified from here (Kafka before KIP-890 verification).
            ctx.broker.transactions.coordinatorError(req.transactionalId) !== 0
            ? 0
            : await ctx.broker.transactions.produceError(req.transactionalId, info.producerId, info.producerEpoch, topic.name, index, ctx.apiVersion);
      if (txnError) throw new BatchError(txnError, `producer ${info.producerId} epoch ${info.producerEpoch} cannot write to ${topic.name}-${index} in transaction ${req.transactionalId}`);
    }
    const now = Date.now();
    const rules: RecordRules = {
      partition: `${topic.name}-${index}`,
      compacted: cfg.cleanupPolicy.includes('compact'),
      createTime: cfg.messageTimestampType === 'CreateTime',
      now,
      beforeMaxMs: cfg.timestampBeforeMaxMs,
      afterMaxMs: cfg.timestampAfterMaxMs,
    };
    const codec = info.attributes & Attr.COMPRESSION_MASK;
    const target = cfg.compressionType === 'producer' ? codec : codecId(cfg.compressionType);
    let section: Buffer | undefined;
    // Recompression decompresses anyway, so its records are checked too.
    if (lookInside(info, rules) || target !== codec) {
      section = codec === 0 ? batch.subarray(BATCH_HEADER_SIZE) : await producedRecords(batch);
      const checked = checkRecords(section, info, rules);
      if (rules.createTime && setCreateTimeMax(batch, BigInt(checked.maxTimestamp))) info = readBatchHeader(batch);
    }
    if (target !== codec) {
      batch = await recompressBatch(batch, target, section);
      info = validateProducedBatch(batch);
    }
    // acks=1 is answered once the leader has written the batch, acks=-1 once every in-sync replica
    // has it (with one replica, the same moment).
    const pending = log.append(batch, info, now, req.acks);
    const appended = req.acks === -1 ? pending.committed : pending.written;
    // Only replication or an fsync can make the wait long; otherwise no timer is armed.
    const mayWait = cfg.fsyncOnAck || (req.acks === -1 && pending.committed !== pending.written);
    const timeout = req.timeoutMs;
    const waited = timeout > 0 && mayWait ? deadline.race(appended) : appended;
    // The outcome is attached at once: a rejection must never sit unhandled while other partitions are placed.
    const done = waited.then(
      (r) => {
        if (r === 'timeout') return result(index, ErrorCode.REQUEST_TIMED_OUT, `not ${req.acks === -1 ? 'replicated' : 'written'} within ${timeout} ms`);
        ctx.broker.metrics.produced(topic.name, batch.length, info.recordCount);
        const ok = result(index, ErrorCode.NONE);
        ok.baseOffset = BigInt(r.baseOffset);
        ok.logAppendTimeMs = BigInt(r.logAppendTime);
        ok.logStartOffset = BigInt(r.logStartOffset);
        return ok;
      },
      (err: unknown) => failed(ctx, topic.name, index, err),
    );
    return { done };
  } catch (err) {
    return { done: Promise.resolve(failed(ctx, topic.name, index, err)) };
  }
}

/** Where Kafka's RequestUtils.hasTransactionalRecords looks: the attributes of each partition's first (v2) batch. */
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;

function isTransactional(records: Buffer | null): boolean {
  return records !== null && records.length >= BATCH_HEADER_SIZE && records[MAGIC_AT] === 2 && (records.readInt16BE(ATTRIBUTES_AT) & Attr.TRANSACTIONAL) !== 0;
}

function transactionalRefusal(ctx: HandlerContext, req: ProduceRequest): number {
  if (!authzEnabled(ctx)) return 0;
  if (!req.topicData.some((t) => t.partitionData.some((p) => isTransactional(p.records)))) return 0;
  return req.transactionalId === null ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : transactionalIdDenied(ctx, AclOp.WRITE, req.transactionalId);
}

export default defineHandler<ProduceRequest, ProduceResponse>(ProduceRequestMeta, {
  note: 'v0–v2 answered UNSUPPORTED_FOR_MESSAGE_FORMAT (message formats v0/v1); compressed batches are decompressed only where a record check needs it',
  async handle(req, ctx) {
    const acksValid = req.acks === 0 || req.acks === 1 || req.acks === -1;
    const deadline = new Deadline(req.timeoutMs);
    // Transactional batches need WRITE on the transactional id, else the whole request fails (Kafka's order).
    const refused = transactionalRefusal(ctx, req);
    const mayWrite = checker(ctx, AclOp.WRITE, ResourceType.TOPIC);
    // Phase one, in request order: every partition's batch validated and given its offsets. The
    // connection may then start the next request while this one waits for disk or replicas.
    const placed = await Promise.all(
      req.topicData.map(async (t) => {
        const found = refused ? { errorCode: refused } : acksValid ? await topicFor(ctx, t.name, t.topicId, mayWrite) : { errorCode: ErrorCode.INVALID_REQUIRED_ACKS };
        const partitions = await Promise.all(
          t.partitionData.map((p): Placed | Promise<Placed> => (found.topic ? placePartition(ctx, req, found.topic, p.index, p.records, deadline) : { done: Promise.resolve(result(p.index, found.errorCode)) })),
        );
        return { t, partitions };
      }),
    );
    ctx.applied?.();
    const topics = await Promise.all(
      placed.map(async ({ t, partitions }) => ({ name: t.name, topicId: t.topicId, partitionResponses: await Promise.all(partitions.map((p) => p.done)) })),
    );
    deadline.clear();
    // producer_byte_rate (acks=0 too: no response, but the connection is muted all the same).
    const throttleTimeMs = produceThrottleMs(ctx);
    if (req.acks === 0) {
      for (const t of topics)
        for (const p of t.partitionResponses)
          if (p.errorCode !== 0) ctx.log.warn({ topic: t.name, partition: p.index, errorCode: p.errorCode, error: p.errorMessage }, 'acks=0 produce failed');
      return NO_RESPONSE;
    }
    return { responses: topics, throttleTimeMs, nodeEndpoints: ctx.apiVersion >= 10 ? leaderEndpoints(ctx, topics.flatMap((t) => t.partitionResponses.map((p) => p.currentLeader.leaderId))) : [] };
  },
});
