/**
 * Idempotent producer state of one partition: per producer id, its epoch and the sequence ranges
 * and offsets of its last five batches (what a producer may have in flight). A retried batch is
 * recognised and answered with its original offsets; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER; an old
 * epoch INVALID_PRODUCER_EPOCH; a producer the partition has no record of that does not start at
 * sequence 0 UNKNOWN_PRODUCER_ID (Kafka's ProducerAppendInfo rules).
 *
 * The state is rebuilt at start-up from a snapshot (written when the log closes cleanly) plus the
 * batch headers after it; only headers are read, never records.
 */
import { ErrorCode } from '../protocol/errors.js';

export const MAX_BATCHES_PER_PRODUCER = 5;
const INT32_MAX = 0x7fffffff;

export interface BatchSeq {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  epoch: number;
  batches: BatchSeq[];
  lastTimestamp: number;
  /** The coordinator epoch of the last marker, or -1 (absent in snapshots written before it was kept). */
  coordinatorEpoch?: number;
}

export interface MarkerCheck {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** Transaction version 2 markers carry a bumped epoch, so they must be newer than the producer's. */
  strictEpoch: boolean;
}

export interface IdempotentBatch {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

export type SequenceCheck = { kind: 'append' } | { kind: 'duplicate'; batch: BatchSeq } | { kind: 'error'; errorCode: number; message: string };

export interface ProducerSnapshot {
  version: 1;
  /** The log end offset the snapshot covers: batches at or after it are replayed from the log. */
  offset: number;
  producers: Array<[string, ProducerEntry]>;
}

function nextSeq(seq: number, by = 1): number {
  return seq + by > INT32_MAX ? seq + by - INT32_MAX - 1 : seq + by;
}

export class ProducerStateTable {
  readonly producers = new Map<string, ProducerEntry>();

  /** Decides what to do with an incoming idempotent batch, before offsets are assigned. */
  check(b: IdempotentBatch): SequenceCheck {
    const e = this.producers.get(b.producerId.toString());
    const lastSeq = nextSeq(b.baseSequence, b.lastOffsetDelta);
    if (!e) {
      if (b.baseSequence !== 0)
        return { kind: 'error', errorCode: ErrorCode.UNKNOWN_PRODUCER_ID, message: `no record of producer ${b.producerId}; its first batch must have sequence 0, not ${b.baseSequence}` };
      return { kind: 'append' };
    }
    if (b.producerEpoch < e.epoch)
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${b.producerId} epoch ${b.producerEpoch} is older than ${e.epoch}` };
    if (b.producerEpoch > e.epoch) {
      if (b.baseSequence !== 0)
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `a new epoch must start at sequence 0, not ${b.baseSequence}` };
      return { kind: 'append' };
    }
    const dup = e.batches.find((x) => x.firstSeq === b.baseSequence && x.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', batch: dup };
    const last = e.batches[e.batches.length - 1];
    const expected = last ? nextSeq(last.lastSeq) : 0;
    if (b.baseSequence !== expected)
      return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${b.producerId}: expected sequence ${expected}, got ${b.baseSequence}` };
    return { kind: 'append' };
  }

  /** Records an appended idempotent batch (also used when replaying the log). */
  record(b: IdempotentBatch, firstOffset: number, timestamp: number): void {
    const key = b.producerId.toString();
    let e = this.producers.get(key);
    if (!e || b.producerEpoch > e.epoch) {
      e = { epoch: b.producerEpoch, batches: [], lastTimestamp: timestamp };
      this.producers.set(key, e);
    }
    e.batches.push({ firstSeq: b.baseSequence, lastSeq: nextSeq(b.baseSequence, b.lastOffsetDelta), firstOffset, lastOffset: firstOffset + b.lastOffsetDelta });
    if (e.batches.length > MAX_BATCHES_PER_PRODUCER) e.batches.shift();
    e.lastTimestamp = Math.max(e.lastTimestamp, timestamp);
  }

  /**
   * Whether a transaction marker may be written, as Kafka's ProducerAppendInfo.appendEndTxnMarker
   * checks it: an epoch older than the producer's (or, for transaction version 2, not newer) is
   * INVALID_PRODUCER_EPOCH; a coordinator epoch older than the last marker's is
   * TRANSACTION_COORDINATOR_FENCED (a zombie coordinator). A producer the partition does not know
   * passes both.
   */
  checkMarker(m: MarkerCheck): { errorCode: number; message: string } | undefined {
    const e = this.producers.get(m.producerId.toString());
    if (!e) return undefined;
    if (m.producerEpoch < e.epoch || (m.strictEpoch && m.producerEpoch === e.epoch))
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `marker epoch ${m.producerEpoch} of producer ${m.producerId} is ${m.strictEpoch ? 'not newer than' : 'older than'} ${e.epoch}` };
    if ((e.coordinatorEpoch ?? -1) > m.coordinatorEpoch)
      return { errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED, message: `coordinator epoch ${m.coordinatorEpoch} for producer ${m.producerId} is older than ${e.coordinatorEpoch}` };
    return undefined;
  }

  /**
   * A transaction marker. With transaction protocol version 2 it carries the epoch the coordinator
   * bumped to: that epoch is now the producer's, its batches of the older one are fenced, and its
   * next transaction starts again at sequence 0 (Kafka's ProducerStateEntry.maybeUpdateProducerEpoch).
   */
  recordMarker(producerId: bigint, epoch: number, timestamp: number, coordinatorEpoch = -1): void {
    const key = producerId.toString();
    const e = this.producers.get(key);
    if (!e) this.producers.set(key, { epoch, batches: [], lastTimestamp: timestamp, coordinatorEpoch });
    else {
      if (epoch > e.epoch) {
        e.epoch = epoch;
        e.batches = [];
      }
      e.lastTimestamp = Math.max(e.lastTimestamp, timestamp);
      e.coordinatorEpoch = Math.max(e.coordinatorEpoch ?? -1, coordinatorEpoch);
    }
  }

  /** producer.id.expiration.ms: forgets producers idle that long. */
  expire(now: number, expirationMs: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (now - e.lastTimestamp >= expirationMs) {
        this.producers.delete(id);
        n++;
      }
    }
    return n;
  }

  snapshot(offset: number): ProducerSnapshot {
    return { version: 1, offset, producers: [...this.producers] };
  }

  load(s: ProducerSnapshot): void {
    this.producers.clear();
    for (const [id, e] of s.producers) this.producers.set(id, e);
  }
}
