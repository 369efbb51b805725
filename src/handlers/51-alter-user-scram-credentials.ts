/**
 * AlterUserScramCredentials (key 51), v0: creates, replaces and deletes users' SCRAM credentials
 * with the checks of Kafka's ScramControlManager (src/security/scram/scram-admin.ts): the client
 * sends the salt and the salted password; only the salt, StoredKey, ServerKey and iterations are
 * kept, in the data directory on one node and in etcd in a cluster, where every broker's watch
 * applies them (a new connection authenticates with the new credential at once; sessions already
 * authenticated stay, as in Kafka). Needs ALTER on the cluster, else every user named gets
 * CLUSTER_AUTHORIZATION_FAILED as Kafka's error response has it. The log line names users, never
 * salts or keys.
 */
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/messages/index.js';
import { AlterUserScramCredentialsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, clusterAllowed } from './common/authz.js';
import { alterScramCredentials } from '../security/scram/scram-admin.js';
import { defineHandler } from './types.js';

export default defineHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>(AlterUserScramCredentialsRequestMeta, {
  note: 'SCRAM-SHA-256/512; salted keys only, in the data dir (one node) or etcd (cluster, applied by every broker)',
  async handle(req, ctx) {
    if (!clusterAllowed(ctx, AclOp.ALTER)) {
      const users = [...new Set([...req.deletions, ...req.upsertions].map((x) => x.name))].sort();
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' })) };
    }
    const results = await alterScramCredentials(ctx.broker.scram, req.deletions, req.upsertions);
    const changed = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.user);
    if (changed.length > 0) ctx.log.info({ users: changed }, 'SCRAM credentials altered');
    return { throttleTimeMs: 0, results };
  },
});
