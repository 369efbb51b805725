/**
 * What InitProducerId and EndTxn requests do to a transactional id, as Kafka's coordinator decides
 * it, for both transaction protocol versions. Kept apart from the coordinator (which persists and
 * applies the outcome) so that the tables can be read and tested on their own.
 *
 * InitProducerId: a producer that names itself (v3+, KIP-360) must be the id's current producer,
 * or the one replaced when its epochs ran out. The epoch is bumped when it names the current epoch
 * (or nothing); naming the epoch before the last bump is a retry whose answer was lost and gets
 * the current epoch unchanged; anything else is PRODUCER_FENCED. An open transaction is aborted
 * first (fencing its producer) and CONCURRENT_TRANSACTIONS answered; the retry then gets the epoch.
 *
 * Version 1 (EndTxn v0–v4): the epoch must be the current one; a retry after completion is
 * answered the same; an Empty transaction cannot be ended.
 *
 * Version 2 (EndTxn v5, KIP-890): every end bumps the epoch, so the epoch of a request tells a
 * retry (the epoch before the bump) from the next transaction's call (the current epoch):
 *
 *   state           abort retry   abort current   commit retry   commit current
 *   Empty           FENCED        end (bump)      FENCED         INVALID_TXN_STATE
 *   CompleteAbort   answer        end (bump)      ITS            ITS
 *   CompleteCommit  ITS           end (bump)      answer         ITS
 *
 * "end" on Empty or a completed transaction aborts nothing but still bumps the epoch (a producer
 * may abort before it wrote anything). A retry after the epoch ran out and the producer id was
 * replaced is recognised by the previous producer id.
 */
import { ErrorCode } from '../protocol/errors.js';

export type TxnState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort';

const PRODUCER_FENCED = ErrorCode.PRODUCER_FENCED;
/** From this epoch on a producer id is exhausted: the next bump moves to a new producer id. */
export const EXHAUSTED_EPOCH = 32766;

export interface EndTxnView {
  producerId: bigint;
  producerEpoch: number;
  /** The producer id before the last rotation, or -1. */
  previousProducerId: bigint;
  state: TxnState;
}

export interface InitView extends EndTxnView {
  /** The epoch before the last bump a client was given (a retry may name it), or -1. */
  lastProducerEpoch: number;
}

export type InitDecision =
  | { kind: 'error'; errorCode: number }
  /** Abort the open transaction, fencing its producer; answer CONCURRENT_TRANSACTIONS. */
  | { kind: 'fence' }
  /** A retry of a call that succeeded: the current producer id and epoch, unchanged. */
  | { kind: 'answer' }
  /** The next epoch (or a new producer id once exhausted); `lastEpoch` is what a retry may name. */
  | { kind: 'bump'; lastEpoch: number };

export function decideInitProducer(t: InitView, expected?: { producerId: bigint; producerEpoch: number }): InitDecision {
  const named = expected && expected.producerId >= 0n ? expected : undefined;
  if (named) {
    const current = named.producerId === t.producerId;
    const replaced = named.producerId === t.previousProducerId && named.producerEpoch >= EXHAUSTED_EPOCH;
    if (!current && !replaced) return error(PRODUCER_FENCED);
  }
  if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') return error(ErrorCode.CONCURRENT_TRANSACTIONS);
  if (t.state === 'Ongoing') return { kind: 'fence' };
  if (!named || (named.producerId === t.producerId && named.producerEpoch === t.producerEpoch)) return { kind: 'bump', lastEpoch: named ? t.producerEpoch : -1 };
  if (named.producerEpoch === t.lastProducerEpoch) return { kind: 'answer' };
  return error(PRODUCER_FENCED);
}

export interface EndTxnRequest {
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
}

export type EndDecision =
  | { kind: 'error'; errorCode: number }
  /** Nothing to do: answer with the current producer id and epoch. */
  | { kind: 'answer' }
  /** Prepare and complete; `nothingAdded` when the transaction has no partitions or groups to end. */
  | { kind: 'end'; commit: boolean; nothingAdded: boolean };

const error = (errorCode: number) => ({ kind: 'error' as const, errorCode });
const ITS = error(ErrorCode.INVALID_TXN_STATE);

function whilePreparing(state: TxnState, commit: boolean): EndDecision {
  // The same decision is still being written: retry later. The opposite one is a state error.
  return (state === 'PrepareCommit') === commit ? error(ErrorCode.CONCURRENT_TRANSACTIONS) : ITS;
}

export function decideEndTxnV1(t: EndTxnView | undefined, r: EndTxnRequest): EndDecision {
  if (!t || t.producerId !== r.producerId) return error(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  if (t.producerEpoch !== r.producerEpoch) return error(PRODUCER_FENCED);
  switch (t.state) {
    case 'Ongoing':
      return { kind: 'end', commit: r.commit, nothingAdded: false };
    case 'CompleteCommit':
    case 'CompleteAbort':
      return (t.state === 'CompleteCommit') === r.commit ? { kind: 'answer' } : ITS;
    case 'PrepareCommit':
    case 'PrepareAbort':
      return whilePreparing(t.state, r.commit);
    case 'Empty':
      return ITS;
  }
}

export function decideEndTxnV2(t: EndTxnView | undefined, r: EndTxnRequest): EndDecision {
  if (!t) return error(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const retryOnOverflow = t.previousProducerId === r.producerId && r.producerEpoch === EXHAUSTED_EPOCH && t.producerEpoch === 0;
  const retryOnBump = t.producerId === r.producerId && t.producerEpoch === r.producerEpoch + 1;
  if (t.producerId !== r.producerId && !retryOnOverflow) return error(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const current = t.producerId === r.producerId && t.producerEpoch === r.producerEpoch;
  const retry = retryOnBump || retryOnOverflow;
  switch (t.state) {
    case 'Ongoing':
      return current ? { kind: 'end', commit: r.commit, nothingAdded: false } : error(PRODUCER_FENCED);
    case 'Empty':
      if (!current) return error(PRODUCER_FENCED);
      return r.commit ? ITS : { kind: 'end', commit: false, nothingAdded: true };
    case 'PrepareCommit':
    case 'PrepareAbort':
      return retryOnBump ? whilePreparing(t.state, r.commit) : error(PRODUCER_FENCED);
    case 'CompleteCommit':
    case 'CompleteAbort': {
      if (!current && !retry) return error(PRODUCER_FENCED);
      const sameDecision = (t.state === 'CompleteCommit') === r.commit;
      if (retry) return sameDecision ? { kind: 'answer' } : ITS;
      // The current epoch: the start of the next transaction. Only an abort makes sense there.
      return r.commit ? ITS : { kind: 'end', commit: false, nothingAdded: true };
    }
  }
}
