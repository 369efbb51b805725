/**
 * OffsetCommit (key 8), v0–v9. Group-less ("simple") commits with generation -1 into an empty or
 * unknown group, member commits checked against the group's generation and member ids; metadata
 * over offset.metadata.max.bytes gets OFFSET_METADATA_TOO_LARGE, unknown topics or partitions
 * UNKNOWN_TOPIC_OR_PARTITION. Offsets are in __consumer_offsets before the answer. The v2–v4
 * retention time is honoured (an expiry past 2^53 ms is capped there: Kafka's long sum would wrap
 * negative and expire the offset at once); from v5 offsets follow offsets.retention.minutes.
 * In a consumer-protocol group (KIP-848) the generation field carries the member epoch: a stale
 * one is STALE_MEMBER_EPOCH, and its members must use v9+ (UNSUPPORTED_VERSION otherwise).
 * Classic groups check the member, then the generation, then the state (src/groups/commit-rules.ts):
 * a stale member committing during a rebalance gets ILLEGAL_GENERATION, a current one
 * REBALANCE_IN_PROGRESS while the group completes its rebalance; a generation for a group that does
 * not exist is GROUP_ID_NOT_FOUND from v9 (ILLEGAL_GENERATION before). Null metadata is stored and
 * returned as "", as Kafka does.
 * Needs READ on the group (GROUP_AUTHORIZATION_FAILED for every partition, first) and on each
 * topic (TOPIC_AUTHORIZATION_FAILED for its partitions, before UNKNOWN_TOPIC_OR_PARTITION).
 */
import type { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/index.js';
import { OffsetCommitRequestMeta } from '../protocol/messages/index.js';
import { groupRequestError } from './common/groups.js';
import { defineHandler } from './types.js';
import { answerEach, commitOffsets } from './common/offset-commits.js';
import { AclOp, ResourceType, checker, groupDenied } from './common/authz.js';
import { ErrorCode } from '../protocol/errors.js';

const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;

const OFFSET_METADATA_TOO_LARGE = 12;

export default defineHandler<OffsetCommitRequest, OffsetCommitResponse>(OffsetCommitRequestMeta, {
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const denied = groupDenied(ctx, AclOp.READ, req.groupId);
    if (denied) return { throttleTimeMs: 0, topics: answerEach(req.topics, () => denied) };
    // A topic without READ keeps TOPIC_AUTHORIZATION_FAILED whatever the group answers.
    const mayRead = checker(ctx, AclOp.READ, ResourceType.TOPIC);
    const answer = (code: number): OffsetCommitResponse => ({ throttleTimeMs: 0, topics: answerEach(req.topics, (t) => (mayRead(t) ? code : TOPIC_DENIED)) });
    const refused = groupRequestError(ctx, req.groupId);
    if (refused) return answer(refused);
    const groups = ctx.broker.groups;
    const generation = v >= 1 ? req.generationIdOrMemberEpoch : -1;
    const groupError = groups.commitError({ groupId: req.groupId, generationId: generation, memberId: v >= 1 ? req.memberId : '', groupInstanceId: v >= 7 ? req.groupInstanceId : null, transactional: false, apiVersion: v });
    if (groupError) return answer(groupError);
    const maxMeta = ctx.broker.config.int('offset.metadata.max.bytes');
    const retention = v >= 2 && v <= 4 && req.retentionTimeMs > 0n ? Number(req.retentionTimeMs) : -1;
    const topics = await commitOffsets(req.topics, ctx, {
      leaderEpoch: (p) => (v >= 6 ? p.committedLeaderEpoch : -1),
      refuse: (p) => (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > maxMeta ? OFFSET_METADATA_TOO_LARGE : 0),
      write: (entries) => groups.commit(req.groupId, entries, retention),
      where: { group: req.groupId },
      mayCommit: mayRead,
    });
    return { throttleTimeMs: 0, topics };
  },
});
