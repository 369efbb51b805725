/**
 * What an EndTxn request does to a transaction, as Kafka's coordinator decides it, for both
 * transaction protocol versions. Kept apart from the coordinator so that the tables can be read
 * and tested on their own.
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

const error = (errorCode: number): EndDecision => ({ kind: 'error', errorCode });
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
