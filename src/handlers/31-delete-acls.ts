/**
 * DeleteAcls (key 31), v0–v3, as Kafka's AclApis and AclControlManager: the caller needs ALTER on
 * the cluster (every filter result CLUSTER_AUTHORIZATION_FAILED), then SECURITY_DISABLED when no
 * authorizer is configured. Every filter deletes what it matches (ANY: any pattern type with the
 * exact name; MATCH: every pattern that applies to the name, incl. `*` and prefixes; null fields
 * match any) and its result lists those ACLs; a filter with an UNKNOWN element gets INVALID_REQUEST
 * ("Unknown patternFilter." / "Unknown entryFilter."). All filters apply to the same ACLs at once.
 */
import type { DeleteAclsRequest, DeleteAclsResponse, DeleteAclsResponseDeleteAclsFilterResult } from '../protocol/messages/index.js';
import { DeleteAclsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp } from '../ports/authorizer.js';
import type { AclBindingFilter } from '../ports/acls.js';
import { aclAdmin, filterError, filterOf, isApiError } from './acl-common.js';
import { defineHandler } from './types.js';

export default defineHandler<DeleteAclsRequest, DeleteAclsResponse>(DeleteAclsRequestMeta, {
  note: 'ANY / MATCH / LITERAL / PREFIXED filters; needs ALTER on the cluster',
  async handle(req, ctx) {
    const admin = aclAdmin(ctx, AclOp.ALTER, 'No Authorizer is configured.');
    if (isApiError(admin)) return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode: admin.code, errorMessage: admin.message, matchingAcls: [] })) };
    const results: DeleteAclsResponseDeleteAclsFilterResult[] = [];
    const valid: AclBindingFilter[] = [];
    const validAt: number[] = [];
    for (const f of req.filters) {
      const filter = filterOf(f);
      const why = filterError(filter);
      if (why) results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why, matchingAcls: [] });
      else {
        validAt.push(results.length);
        valid.push(filter);
        results.push({ errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [] });
      }
    }
    if (valid.length > 0) {
      try {
        const deleted = await admin.delete(valid);
        validAt.forEach((at, j) => {
          results[at].matchingAcls = (deleted[j] ?? []).map((b) => ({
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: b.resourceType,
            resourceName: b.name,
            patternType: b.patternType,
            principal: b.principal,
            host: b.host,
            operation: b.operation,
            permissionType: b.permission,
          }));
        });
      } catch (err) {
        ctx.log.warn({ err }, 'DeleteAcls: the ACLs could not be deleted');
        for (const at of validAt) results[at] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error).message, matchingAcls: [] };
      }
    }
    return { throttleTimeMs: 0, filterResults: results };
  },
});
