/**
 * The transaction coordinator: transactional ids, their producer id and epoch, and the state of
 * their current transaction (Empty → Ongoing → PrepareCommit/PrepareAbort → CompleteCommit/
 * CompleteAbort), kept in the internal compacted __transaction_state topic and replayed at start-up.
 *
 * Ending a transaction writes a commit or abort marker into every partition it touched (which moves
 * their last stable offset) and makes or discards its pending offset commits; the prepare state is
 * logged first, so a crash in the middle finishes the job at the next start. An open transaction
 * older than its timeout is aborted proactively and its producer fenced (epoch bumped).
 *
 * Both transaction protocol versions are served; a client uses version 2 (KIP-890) when ApiVersions
 * finalizes transaction.version 2 (cluster/features.ts). With version 2, Produce v12+ and
 * TxnOffsetCommit v5 add partitions and groups to the transaction implicitly, and every EndTxn v5
 * bumps the producer epoch: the markers carry the new epoch, so a late write of the finished
 * transaction is fenced, and the response hands the new epoch (or, once epochs run out, a new
 * producer id) to the producer. txn-rules.ts holds the InitProducerId and EndTxn tables.
 *
 * InitProducerId for an id with an open transaction aborts it (fencing its producer) and answers
 * CONCURRENT_TRANSACTIONS, as Kafka does; the client's retry gets the epoch after the fence.
 *
 * As Kafka's TransactionStateManager, this broker serves only the transactional ids whose
 * __transaction_state partition it leads: the partition is loaded when it becomes leader
 * (loadTransactionsForTxnTopicPartition; COORDINATOR_LOAD_IN_PROGRESS meanwhile) and its
 * transactions are dropped when it stops (removeTransactionsForTxnTopicPartition); any other id
 * answers NOT_COORDINATOR (coordinatorError, checked by every transaction handler). Markers carry
 * the partition's leader epoch as coordinator epoch and go to each partition's leader
 * (marker-sender.ts). On one node every partition is elected at start (load()).
 */
import type { TxnCoordinatorPort } from '../ports/transactions.js';
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { TxnStore } from './txn-store.js';
import { producerFacing, txnErrorCode } from './txn-errors.js';
import type { EndTxnResult, TxnMetadata, TxnPorts } from './txn-metadata.js';
import { StorageError, type Log } from '../storage/log.js';
import type { KvPartitions } from '../cluster/kv-log.js';
import { CoordinatorPartitions } from '../cluster/coordinator-partitions.js';
import type { TxnMarker } from './marker-sender.js';
import type { ProducerIdAllocator } from '../producers/producer-ids.js';
import { decideEndTxnV1, decideEndTxnV2, decideInitProducer, EXHAUSTED_EPOCH, type TxnState } from './txn-rules.js';
import { TopicPartitionMap, TopicPartitionSet } from '../util/topic-partition.js';

export type { TxnState } from './txn-rules.js';
export type { TxnMetadata, TxnPorts, EndTxnResult } from './txn-metadata.js';

/** The largest epoch a marker can carry (int16). */
const MAX_MARKER_EPOCH = 32767;

export class TxnCoordinator implements TxnCoordinatorPort {
  readonly txns = new Map<string, TxnMetadata>();
  private readonly store: TxnStore;
  /** The __transaction_state partitions this broker coordinates. */
  readonly ownership: CoordinatorPartitions;
  /** Per partition loaded here: the leader epoch it was loaded at (Kafka's coordinator epoch, carried by markers). */
  private readonly coordinatorEpochs = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  /** One operation at a time per transactional id. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly partitions: KvPartitions | Log[],
    private readonly producerIds: ProducerIdAllocator,
    private readonly ports: TxnPorts,
    private readonly log: Logger,
  ) {
    this.store = new TxnStore(partitions, config.int('offsets.topic.num.partitions'));
    this.ownership = new CoordinatorPartitions(() => this.store.partitionCount);
  }

  /** 0 when this broker coordinates the transactional id now; NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS otherwise. */
  coordinatorError(transactionalId: string): number {
    return this.ownership.errorFor(transactionalId);
  }

  /** Whether a __transaction_state partition is being loaded (ListTransactions answers COORDINATOR_LOAD_IN_PROGRESS). */
  loadInProgress(): boolean {
    return this.ownership.anyLoading();
  }

  /** One node: every partition of __transaction_state is this broker's; each is loaded in turn. */
  async load(): Promise<void> {
    for (let p = 0; p < this.store.partitionCount; p++) await this.onElection(p);
  }

  /**
   * This broker became leader of __transaction_state partition `partition` at `leaderEpoch`: its
   * transactions are read back, and those caught between prepare and complete (a crash, or the
   * previous coordinator's end) are finished. Resolves once loaded.
   */
  onElection(partition: number, leaderEpoch = this.leaderEpochOf(partition)): Promise<void> {
    return this.ownership.elect(partition, (token) => this.loadPartition(partition, token, leaderEpoch));
  }

  /** Leadership of `partition` moved away: its transactional ids are refused at once and dropped here. */
  onResignation(partition: number): Promise<void> {
    return this.ownership.resign(partition, () => this.unloadPartition(partition));
  }

  private leaderEpochOf(partition: number): number {
    return Array.isArray(this.partitions) ? (this.partitions[partition]?.leaderEpoch ?? 0) : (this.partitions.handle(partition)?.leaderEpoch ?? 0);
  }

  private async loadPartition(partition: number, token: number, leaderEpoch: number): Promise<void> {
    this.unloadPartition(partition);
    const loaded = new Map<string, TxnMetadata>();
    for await (const { transactionalId, value } of this.store.replayPartition(partition)) {
      if (value === null) loaded.delete(transactionalId);
      else loaded.set(transactionalId, value);
    }
    if (!this.ownership.current(partition, token)) return; // resigned while loading
    for (const [id, t] of loaded) this.txns.set(id, t);
    this.coordinatorEpochs.set(partition, leaderEpoch);
    // Transactions caught between prepare and complete are finished now.
    await this.finishPrepared((id) => this.ownership.partitionOf(id) === partition);
  }

  private unloadPartition(partition: number): void {
    for (const id of [...this.txns.keys()]) if (this.ownership.partitionOf(id) === partition) this.txns.delete(id);
    this.coordinatorEpochs.delete(partition);
  }

  start(): void {
    const every = Math.min(this.config.num('transaction.abort.timed.out.transaction.cleanup.interval.ms'), 2 ** 31 - 1);
    this.timer = setInterval(() => void this.finishPrepared().then(() => this.abortTimedOut()).then(() => this.expireIds()), every).unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }

  /**
   * Every operation of the port answers with a code: one that failed (its state or a marker not
   * written, or a bug) is answered as txnErrorCode maps it, in the operation's own shape.
   */
  private mapped<T>(op: Promise<T>, where: Record<string, unknown>, answer: (code: number) => T): Promise<T> {
    return op.catch((err: unknown) => answer(txnErrorCode(err, this.log, where)));
  }

  private persist(t: TxnMetadata): Promise<void> {
    return this.store.write(t);
  }

  /** InitProducerId with a transactional id: a new producer or a new epoch, fencing the previous one. */
  initProducer(transactionalId: string, timeoutMs: number, expected?: { producerId: bigint; producerEpoch: number }): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (transactionalId === '') return Promise.resolve(fail(ErrorCode.INVALID_REQUEST)); // as Kafka answers an empty id
    if (timeoutMs <= 0 || timeoutMs > this.config.int('transaction.max.timeout.ms')) return Promise.resolve(fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT));
    const op = this.serial(transactionalId, async () => {
      const now = Date.now();
      const t = this.txns.get(transactionalId);
      if (!t) {
        const fresh: TxnMetadata = { transactionalId, producerId: await this.producerIds.allocate(), producerEpoch: 0, previousProducerId: -1n, lastProducerEpoch: -1, nextProducerId: -1n, timeoutMs, state: 'Empty', partitions: new TopicPartitionSet(), groups: new Set(), startTimestamp: -1, lastUpdate: now };
        await this.persist(fresh);
        this.txns.set(transactionalId, fresh);
        return { errorCode: 0, producerId: fresh.producerId, producerEpoch: 0 };
      }
      const decision = decideInitProducer(t, expected);
      if (decision.kind === 'error') return fail(decision.errorCode);
      if (decision.kind === 'answer') return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
      if (decision.kind === 'fence') {
        // The previous producer of this id left a transaction open: abort it, fencing that producer
        // with an epoch that is never handed out. As Kafka, answer CONCURRENT_TRANSACTIONS: the
        // client retries, finds the abort complete, and gets the epoch after that one.
        this.log.info({ transactionalId, producerId: String(t.producerId) }, 'aborting the open transaction of a fenced producer');
        await this.endLocked(t, false, 'fence');
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      }
      const exhausted = t.producerEpoch >= EXHAUSTED_EPOCH;
      await this.transition(t, {
        previousProducerId: exhausted ? t.producerId : t.previousProducerId,
        producerId: exhausted ? await this.producerIds.allocate() : t.producerId,
        producerEpoch: exhausted ? 0 : t.producerEpoch + 1,
        lastProducerEpoch: decision.lastEpoch,
        timeoutMs,
        state: 'Empty',
        partitions: new TopicPartitionSet(),
        groups: new Set(),
        lastUpdate: now,
      });
      return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
    });
    return this.mapped(op, { transactionalId, op: 'InitProducerId' }, fail);
  }

  /** Persists the transaction with `change` applied, then applies it: a failed write changes nothing. */
  private async transition(t: TxnMetadata, change: Partial<TxnMetadata>): Promise<void> {
    t.pending = true;
    try {
      await this.persist({ ...t, ...change });
    } finally {
      t.pending = false;
    }
    Object.assign(t, change);
  }

  /** The error for a request from (producerId, epoch) on this transactional id, or 0. */
  private check(transactionalId: string, t: TxnMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST; // as Kafka answers an empty id
    if (!t || t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== t.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (t.pending || t.state === 'PrepareCommit' || t.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    return 0;
  }

  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, parts: Array<{ topic: string; partition: number }>, verifyOnly = false): Promise<TopicPartitionMap<number>> {
    const op = this.serial(transactionalId, async () => {
      const t = this.txns.get(transactionalId);
      const result = new TopicPartitionMap<number>();
      const err = this.check(transactionalId, t, producerId, producerEpoch);
      const unknown = parts.filter((p) => !this.ports.topicExists(p.topic, p.partition));
      for (const p of parts) {
        if (err) result.set(p.topic, p.partition, err);
        else if (unknown.length > 0) result.set(p.topic, p.partition, unknown.includes(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED);
        else if (verifyOnly) result.set(p.topic, p.partition, t!.partitions.has(p.topic, p.partition) && t!.state === 'Ongoing' ? 0 : ErrorCode.INVALID_TXN_STATE);
        else result.set(p.topic, p.partition, 0);
      }
      if (err || unknown.length > 0 || verifyOnly) return result;
      const txn = t!;
      if (txn.state !== 'Ongoing' || parts.some((p) => !txn.partitions.has(p.topic, p.partition)))
        await this.transition(txn, this.joining(txn, { partitions: new TopicPartitionSet([...txn.partitions, ...parts]) }));
      return result;
    });
    return this.mapped(op, { transactionalId, op: 'AddPartitionsToTxn' }, (code) => {
      const all = new TopicPartitionMap<number>();
      for (const p of parts) all.set(p.topic, p.partition, code);
      return all;
    });
  }

  /** The change that makes the transaction Ongoing (starting it now if it was not) with `change` added. */
  private joining(t: TxnMetadata, change: Partial<TxnMetadata>): Partial<TxnMetadata> {
    const now = Date.now();
    return { ...change, state: 'Ongoing', startTimestamp: t.state === 'Ongoing' ? t.startTimestamp : now, lastUpdate: now };
  }

  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): Promise<number> {
    const op = this.serial(transactionalId, async () => {
      const t = this.txns.get(transactionalId);
      const err = this.check(transactionalId, t, producerId, producerEpoch);
      if (err) return err;
      const txn = t!;
      if (txn.state !== 'Ongoing' || !txn.groups.has(groupId)) await this.transition(txn, this.joining(txn, { groups: new Set([...txn.groups, groupId]) }));
      return 0;
    });
    return this.mapped(op, { transactionalId, group: groupId, op: 'AddOffsetsToTxn' }, (code) => code);
  }

  /**
   * Whether a transactional batch may be written to this partition, as an error code for the
   * producer. Produce v12+ is transaction protocol version 2: the write adds the partition to the
   * transaction. Up to v11 the partition must have been added with AddPartitionsToTxn, as Kafka's
   * partition verification (KIP-890 part 1) checks: TRANSACTION_ABORTABLE to v11, which knows it,
   * INVALID_TXN_STATE before.
   */
  async produceError(transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number, apiVersion: number): Promise<number> {
    const t = this.txns.get(transactionalId);
    const err = this.check(transactionalId, t, producerId, producerEpoch);
    // Every batch but a transaction's first on a partition: answered here, without the per-id lock.
    if (!err && t!.partitions.has(topic, partition)) return 0;
    if (apiVersion >= 12) {
      const codes = await this.addPartitions(transactionalId, producerId, producerEpoch, [{ topic, partition }]);
      return producerFacing(codes.get(topic, partition) ?? 0);
    }
    if (err) return producerFacing(err);
    return apiVersion >= 11 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
  }

  /**
   * TxnOffsetCommit: the producer must be current and its transaction must include the group; v5
   * (transaction protocol version 2) adds the group itself, as AddOffsetsToTxn would have.
   */
  async offsetCommitError(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, apiVersion: number): Promise<number> {
    // PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH at every version (legacy-fencing.ts).
    if (apiVersion >= 5) return this.addOffsets(transactionalId, producerId, producerEpoch, groupId);
    const t = this.txns.get(transactionalId);
    const err = this.check(transactionalId, t, producerId, producerEpoch);
    if (err) return err;
    if (t!.state === 'Ongoing' && t!.groups.has(groupId)) return 0;
    return apiVersion >= 4 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
  }

  /** EndTxn: `v2` for EndTxn v5 (transaction protocol version 2), which bumps the epoch. */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, v2 = false): Promise<EndTxnResult> {
    if (transactionalId === '') return Promise.resolve({ errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 });
    const op = this.serial(transactionalId, async () => {
      const t = this.txns.get(transactionalId);
      const request = { producerId, producerEpoch, commit };
      const decision = v2 ? decideEndTxnV2(t, request) : decideEndTxnV1(t, request);
      if (decision.kind === 'error') return { errorCode: decision.errorCode, producerId: -1n, producerEpoch: -1 };
      const txn = t!;
      if (decision.kind === 'end') await this.endLocked(txn, decision.commit, v2 ? 'bump' : 'none', decision.nothingAdded);
      return { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    });
    return this.mapped(op, { transactionalId, commit, op: 'EndTxn' }, (errorCode) => ({ errorCode, producerId: -1n, producerEpoch: -1 }));
  }

  /**
   * Prepare (persisted first), write the markers and finish. The epoch moves on with `bump`
   * (transaction protocol version 2: every end) and `fence` (a producer fenced by a timeout or a new
   * instance); the markers carry the new epoch. An exhausted epoch still gets its markers (at most
   * 32767) and the producer moves to a new id at epoch 0 once they are written; the prepare record
   * names that id, so a restart in between finishes the same way.
   */
  private async endLocked(t: TxnMetadata, commit: boolean, epoch: 'none' | 'bump' | 'fence', nothingAdded = false): Promise<void> {
    const now = Date.now();
    const change: Partial<TxnMetadata> = { state: commit ? 'PrepareCommit' : 'PrepareAbort', lastUpdate: now };
    // Ending a transaction that never started (version 2 abort): it starts and ends now.
    if (nothingAdded) change.startTimestamp = now;
    if (epoch !== 'none') {
      if (t.producerEpoch >= EXHAUSTED_EPOCH) change.nextProducerId = await this.producerIds.allocate();
      change.producerEpoch = Math.min(t.producerEpoch + 1, MAX_MARKER_EPOCH);
      // A retry may name the epoch before a bump; a fenced producer may not.
      change.lastProducerEpoch = epoch === 'bump' ? t.producerEpoch : -1;
    }
    await this.transition(t, change);
    await this.complete(t, commit);
  }

  private async complete(t: TxnMetadata, commit: boolean): Promise<void> {
    // Transaction version 0 in the marker, as before KIP-890's marker checks: the epoch it carries was bumped already.
    const marker = { producerId: t.producerId, producerEpoch: t.producerEpoch, commit, coordinatorEpoch: this.coordinatorEpochs.get(this.ownership.partitionOf(t.transactionalId)) ?? 0, transactionVersion: 0 };
    for (const { topic, partition } of t.partitions) await this.ports.markers.write(topic, partition, marker).catch((err: unknown) => this.markerRefused(t, topic, partition, err));
    for (const g of t.groups) await this.ports.completeTxnOffsets(g, t.producerId, commit, t.producerEpoch, marker);
    const rotate = t.nextProducerId >= 0n;
    await this.transition(t, {
      state: commit ? 'CompleteCommit' : 'CompleteAbort',
      partitions: new TopicPartitionSet(),
      groups: new Set(),
      // 32767 was only for the markers: the producer goes on under its new id at epoch 0.
      ...(rotate ? { previousProducerId: t.producerId, producerId: t.nextProducerId, producerEpoch: 0, nextProducerId: -1n } : {}),
      lastUpdate: Date.now(),
    });
    this.log.debug({ transactionalId: t.transactionalId, commit }, 'transaction completed');
  }

  /**
   * A partition refused the marker because it has seen a newer producer or coordinator epoch (an
   * admin's WriteTxnMarkers got there first): as Kafka's marker channel, the marker is dropped.
   * Anything else (the log offline) leaves the transaction prepared, to be finished later.
   */
  private markerRefused(t: TxnMetadata, topic: string, partition: number, err: unknown): void {
    const code = err instanceof StorageError ? err.errorCode : undefined;
    if (code !== ErrorCode.INVALID_PRODUCER_EPOCH && code !== ErrorCode.TRANSACTION_COORDINATOR_FENCED) throw err;
    this.log.warn({ transactionalId: t.transactionalId, topic, partition, err: (err as Error).message }, 'transaction marker refused by the partition; dropped');
  }

  /** transaction.timeout.ms: open transactions older than their timeout are aborted and their producer fenced. */
  async abortTimedOut(now = Date.now()): Promise<void> {
    for (const t of [...this.txns.values()]) {
      if (t.state !== 'Ongoing' || now - t.startTimestamp <= t.timeoutMs) continue;
      await this.serial(t.transactionalId, async () => {
        if (t.state !== 'Ongoing' || now - t.startTimestamp <= t.timeoutMs) return;
        this.log.info({ transactionalId: t.transactionalId, timeoutMs: t.timeoutMs }, 'aborting a transaction past its timeout');
        await this.endLocked(t, false, 'fence');
      });
    }
  }

  /**
   * A commit or abort whose markers could not all be written (a partition offline) stays prepared;
   * it is finished here, as Kafka's marker channel keeps retrying. Markers written twice are harmless.
   */
  async finishPrepared(which: (transactionalId: string) => boolean = () => true): Promise<void> {
    for (const t of [...this.txns.values()]) {
      if ((t.state !== 'PrepareCommit' && t.state !== 'PrepareAbort') || !which(t.transactionalId)) continue;
      await this.serial(t.transactionalId, async () => {
        if (t.state !== 'PrepareCommit' && t.state !== 'PrepareAbort') return;
        this.log.info({ transactionalId: t.transactionalId, state: t.state }, 'finishing a prepared transaction');
        await this.complete(t, t.state === 'PrepareCommit');
      }).catch((err: unknown) => this.log.warn({ transactionalId: t.transactionalId, err }, 'a prepared transaction cannot be finished yet'));
    }
  }

  /** transactional.id.expiration.ms: forgets ids idle that long with no open transaction. */
  async expireIds(now = Date.now()): Promise<void> {
    const ttl = this.config.int('transactional.id.expiration.ms');
    for (const t of [...this.txns.values()]) {
      if (t.state === 'Ongoing' || t.state.startsWith('Prepare') || now - t.lastUpdate < ttl) continue;
      this.txns.delete(t.transactionalId);
      await this.store.delete(t.transactionalId);
    }
  }
}
