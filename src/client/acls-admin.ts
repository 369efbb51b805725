/** DescribeAcls, CreateAcls and DeleteAcls as Kafka's admin client sends them, for `runnel acls`. */
import type * as m from '../protocol/messages/index.js';
import type { AclBinding, AclBindingFilter } from '../ports/acls.js';
import type { Connection } from './connection.js';
import { KafkaError } from './errors.js';

/** A refusal from the broker: its code and message, as Kafka's admin client surfaces them. */
export class AclRequestError extends KafkaError {
  constructor(
    code: number,
    what: string,
    readonly detail: string | null,
  ) {
    super(code, what, detail);
  }
}

const DESCRIBE_ACLS = 29;
const CREATE_ACLS = 30;
const DELETE_ACLS = 31;

const filterFields = (f: AclBindingFilter) => ({
  resourceTypeFilter: f.resourceType,
  resourceNameFilter: f.name,
  patternTypeFilter: f.patternType,
  principalFilter: f.principal,
  hostFilter: f.host,
  operation: f.operation,
  permissionType: f.permission,
});

/** Every ACL the filter matches; a KafkaError for the broker's refusal (SECURITY_DISABLED, CLUSTER_AUTHORIZATION_FAILED). */
export async function describeAcls(conn: Connection, filter: AclBindingFilter): Promise<AclBinding[]> {
  const res = await conn.request<m.DescribeAclsResponse>(DESCRIBE_ACLS, filterFields(filter));
  if (res.errorCode !== 0) throw new AclRequestError(res.errorCode, 'describe ACLs', res.errorMessage);
  return res.resources.flatMap((r) =>
    r.acls.map((a) => ({ resourceType: r.resourceType, name: r.resourceName, patternType: r.patternType, principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType }) as AclBinding),
  );
}

/** Creates the bindings; the first creation the broker refused is thrown as a KafkaError (Kafka's createAcls().all()). */
export async function createAcls(conn: Connection, bindings: readonly AclBinding[]): Promise<void> {
  const res = await conn.request<m.CreateAclsResponse>(CREATE_ACLS, {
    creations: bindings.map((b) => ({ resourceType: b.resourceType, resourceName: b.name, resourcePatternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })),
  });
  const failed = res.results.find((r) => r.errorCode !== 0);
  if (failed) throw new AclRequestError(failed.errorCode, 'create ACLs', failed.errorMessage);
}

/** Deletes what each filter matches; per filter, the deleted ACLs. The first refused filter is thrown as a KafkaError. */
export async function deleteAcls(conn: Connection, filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
  const res = await conn.request<m.DeleteAclsResponse>(DELETE_ACLS, { filters: filters.map(filterFields) });
  const failed = res.filterResults.find((r) => r.errorCode !== 0);
  if (failed) throw new AclRequestError(failed.errorCode, 'delete ACLs', failed.errorMessage);
  return res.filterResults.map((r) =>
    r.matchingAcls.map((a) => ({ resourceType: a.resourceType, name: a.resourceName, patternType: a.patternType, principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType }) as AclBinding),
  );
}
