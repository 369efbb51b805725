/**
 * DescribeUserScramCredentials (key 50), v0: the mechanisms and iteration counts of users' SCRAM
 * credentials, never the keys, as Kafka's ScramImage.describe answers (src/security/scram/
 * scram-admin.ts): null or no users = all users with a credential; RESOURCE_NOT_FOUND for a user
 * without one, DUPLICATE_RESOURCE for a user named twice. Needs DESCRIBE on the cluster, else the
 * whole request fails CLUSTER_AUTHORIZATION_FAILED as KafkaApis answers it. In a cluster every broker
 * answers from its copy of the credentials in etcd.
 */
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/messages/index.js';
import { DescribeUserScramCredentialsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, clusterAllowed } from './common/authz.js';
import { describeScramCredentials } from '../security/scram/scram-admin.js';
import { defineHandler } from './types.js';

const DENIED = 'Cluster authorization failed.';

export default defineHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>(DescribeUserScramCredentialsRequestMeta, {
  note: 'mechanisms and iterations per user; stored in the data dir (one node) or etcd (cluster)',
  handle(req, ctx) {
    const users = req.users === null ? null : req.users.map((u) => u.name);
    if (!clusterAllowed(ctx, AclOp.DESCRIBE)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: DENIED,
        results: (users ?? []).map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: DENIED, credentialInfos: [] })),
      };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: describeScramCredentials(ctx.broker.scram, users) };
  },
});
