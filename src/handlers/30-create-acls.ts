/**
 * CreateAcls (key 30), v0–v3, as Kafka's AclApis and AclControlManager: the caller needs ALTER on
 * the cluster (every result CLUSTER_AUTHORIZATION_FAILED), then SECURITY_DISABLED when no
 * authorizer is configured. Each creation is checked on its own: INVALID_REQUEST for an UNKNOWN or
 * ANY resource type / operation, a pattern type other than LITERAL or PREFIXED, a permission other
 * than ALLOW or DENY, a CLUSTER name other than kafka-cluster, an empty name or a principal not in
 * Type:name form; the rest are stored together (an existing ACL is not duplicated) and enforced by
 * this broker before the response (by the others once their watch has it, in a cluster).
 * Deviation: Kafka refuses a request with UNKNOWN elements as a whole when parsing it (connection
 * closed); Runnel answers INVALID_REQUEST for those creations only.
 */
import type { CreateAclsRequest, CreateAclsResponse, CreateAclsResponseAclCreationResult } from '../protocol/messages/index.js';
import { CreateAclsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp } from '../ports/authorizer.js';
import type { AclBinding } from '../ports/acls.js';
import { aclAdmin, creationBinding, creationError, isApiError } from './acl-common.js';
import { defineHandler } from './types.js';

export default defineHandler<CreateAclsRequest, CreateAclsResponse>(CreateAclsRequestMeta, {
  note: 'LITERAL / PREFIXED; needs ALTER on the cluster; stored in acls.json (one node) or etcd (cluster); a creation with UNKNOWN elements gets INVALID_REQUEST alone (Kafka refuses the whole request)',
  async handle(req, ctx) {
    const admin = aclAdmin(ctx, AclOp.ALTER, 'No Authorizer is configured.');
    if (isApiError(admin)) return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: admin.code, errorMessage: admin.message })) };
    const results: CreateAclsResponseAclCreationResult[] = [];
    const valid: AclBinding[] = [];
    const validAt: number[] = [];
    for (const c of req.creations) {
      const why = creationError(c);
      if (why) results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why });
      else {
        validAt.push(results.length);
        valid.push(creationBinding(c));
        results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
      }
    }
    if (valid.length > 0) {
      try {
        await admin.create(valid);
      } catch (err) {
        ctx.log.warn({ err }, 'CreateAcls: the ACLs could not be stored');
        for (const i of validAt) results[i] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `Unknown error while trying to create ACL: ${(err as Error).message}` };
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
