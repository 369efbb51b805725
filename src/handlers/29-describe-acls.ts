/**
 * DescribeAcls (key 29), v0–v3: the ACLs a filter matches (Kafka's ResourcePatternFilter and
 * AccessControlEntryFilter: ANY matches any pattern type with the exact name, MATCH every pattern
 * that applies to the name: the literal, the `*` wildcard and the prefixes), grouped by resource
 * pattern, as Kafka's AclApis answers: the caller needs DESCRIBE on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED), then SECURITY_DISABLED when no authorizer is configured.
 * Deviation: a filter with an UNKNOWN element (or a code outside Kafka's enums) gets
 * INVALID_REQUEST; Kafka fails to parse such a request and closes the connection.
 */
import type { DescribeAclsRequest, DescribeAclsResponse, DescribeAclsResponseDescribeAclsResource } from '../protocol/messages/index.js';
import { DescribeAclsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp } from '../ports/authorizer.js';
import { filterIsUnknown } from '../ports/acls.js';
import { aclAdmin, filterOf, isApiError } from './acl-common.js';
import { defineHandler } from './types.js';

export default defineHandler<DescribeAclsRequest, DescribeAclsResponse>(DescribeAclsRequestMeta, {
  note: 'ANY / MATCH / LITERAL / PREFIXED filters; needs DESCRIBE on the cluster; SECURITY_DISABLED without authorizer.class.name; a filter with UNKNOWN elements gets INVALID_REQUEST (Kafka closes the connection)',
  handle(req, ctx) {
    const refuse = (errorCode: number, errorMessage: string): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    const filter = filterOf(req);
    if (filterIsUnknown(filter)) return refuse(ErrorCode.INVALID_REQUEST, 'DescribeAclsRequest contains UNKNOWN elements');
    const admin = aclAdmin(ctx, AclOp.DESCRIBE, 'No Authorizer is configured on the broker');
    if (isApiError(admin)) return refuse(admin.code, admin.message);
    const byPattern = new Map<string, DescribeAclsResponseDescribeAclsResource>();
    for (const b of admin.describe(filter)) {
      const key = JSON.stringify([b.resourceType, b.name, b.patternType]);
      let r = byPattern.get(key);
      if (!r) byPattern.set(key, (r = { resourceType: b.resourceType, resourceName: b.name, patternType: b.patternType, acls: [] }));
      r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] };
  },
});
