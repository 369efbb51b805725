/**
 * PRODUCER_FENCED (90) only exists since KIP-588 (Kafka 2.7). Clients that send the older versions
 * of the transactional APIs do not know it (kafkajs reports "unknown error code 90"), so Kafka's
 * KafkaApis answers them INVALID_PRODUCER_EPOCH (47) instead, which they handle as fencing:
 * InitProducerId below v4, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn below v2.
 * TxnOffsetCommit never answers PRODUCER_FENCED in Kafka at any version: its producer check is the
 * partition verification, which maps fencing to INVALID_PRODUCER_EPOCH (AddPartitionsToTxnManager).
 *
 * The coordinator keeps answering PRODUCER_FENCED; the translation is done here, once, on the
 * response of every API in the table (handlers/index.ts wraps those handlers).
 */
import { ErrorCode } from '../protocol/errors.js';

/** API key → first request version whose clients understand PRODUCER_FENCED. */
export const PRODUCER_FENCED_SINCE: ReadonlyMap<number, number> = new Map([
  [22, 4], // InitProducerId
  [24, 2], // AddPartitionsToTxn
  [25, 2], // AddOffsetsToTxn
  [26, 2], // EndTxn
  [28, Infinity], // TxnOffsetCommit
]);

/** Whether a response of this API and version must carry INVALID_PRODUCER_EPOCH for fencing. */
export function needsLegacyFencing(apiKey: number, apiVersion: number): boolean {
  const since = PRODUCER_FENCED_SINCE.get(apiKey);
  return since !== undefined && apiVersion < since;
}

const isErrorField = (name: string): boolean => name === 'errorCode' || name.endsWith('ErrorCode');

/** Rewrites every error code field of a response that says PRODUCER_FENCED (in place). */
export function toLegacyFencing<T>(response: T): T {
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) visit(x);
    else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (isErrorField(k) && o[k] === ErrorCode.PRODUCER_FENCED) o[k] = ErrorCode.INVALID_PRODUCER_EPOCH;
        else visit(o[k]);
      }
    }
  };
  visit(response);
  return response;
}
