/**
 * ListTransactions (key 66), v0–v2: filtered by state, producer id, duration (v1: open longer than
 * this many ms) and a transactional id pattern (v2, a regular expression). Unknown states are
 * reported back in unknownStateFilters, as Kafka does. Lists only the transactional ids the client
 * may DESCRIBE.
 */
import type { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/messages/index.js';
import { ListTransactionsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';
import { AclOp, ResourceType, checker } from './common/authz.js';

const STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export default defineHandler<ListTransactionsRequest, ListTransactionsResponse>(ListTransactionsRequestMeta, {
  handle(req, ctx) {
    let pattern: RegExp | undefined;
    if (ctx.apiVersion >= 2 && req.transactionalIdPattern) {
      try {
        pattern = new RegExp(`^(?:${req.transactionalIdPattern})$`);
      } catch {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStateFilters: [], transactionStates: [] };
      }
    }
    // As Kafka: nothing while a partition led here is loading; then only the ids this broker coordinates.
    if (ctx.broker.transactions.loadInProgress()) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] };
    const states = new Set(req.stateFilters);
    const pids = new Set(req.producerIdFilters.map(String));
    const now = Date.now();
    const mayDescribe = checker(ctx, AclOp.DESCRIBE, ResourceType.TRANSACTIONAL_ID);
    const list = [...ctx.broker.transactions.txns.values()]
      .filter((t) => ctx.broker.transactions.coordinatorError(t.transactionalId) === 0)
      .filter((t) => states.size === 0 || states.has(t.state))
      .filter((t) => pids.size === 0 || pids.has(String(t.producerId)))
      .filter((t) => ctx.apiVersion < 1 || req.durationFilter < 0n || (t.state === 'Ongoing' && BigInt(now - t.startTimestamp) > req.durationFilter))
      .filter((t) => !pattern || pattern.test(t.transactionalId))
      .filter((t) => mayDescribe(t.transactionalId))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return { throttleTimeMs: 0, errorCode: 0, unknownStateFilters: req.stateFilters.filter((s) => !STATES.includes(s)), transactionStates: list };
  },
});
