/**
 * The console's admin operations, made by calling the broker's own request handlers in-process
 * with decoded request bodies: the console checks and refuses exactly what a Kafka client's
 * request would (topic names, configs, partition counts, group state), answers with the same
 * error codes, and gets the same authorization once the handlers or their context carry it
 * (`principal` is put into the ClientInfo). Nothing here reaches past BrokerServices.
 *
 * In a cluster, requests about a group another broker coordinates go to that broker (found with
 * FindCoordinator, made in-process as the user) over the inter-broker connection (remote.ts), and
 * ListGroups goes to every broker. The other broker sees this broker's identity there, so the
 * user's permission is checked here first with the authorizer port (ACLs are cluster-wide) as the
 * coordinator's handler would check it, and what comes back is filtered as that handler would.
 */
import { handlerRegistry } from '../handlers/index.js';
import { NO_RESPONSE, type BrokerServices, type ClientInfo, type HandlerContext } from '../handlers/types.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, ALLOW_ALL, CLUSTER_NAME, ResourceType, type AclOpCode, type ResourceTypeCode } from '../ports/authorizer.js';
import { principalOf } from '../security/principal.js';
import type { ClusterLink } from './remote.js';
import { ZERO_UUID } from '../protocol/primitives/values.js';
import { Reader } from '../protocol/primitives/reader.js';
import { readConsumerProtocolAssignment } from '../protocol/messages/consumer-protocol.js';
import type * as M from '../protocol/messages/index.js';
import { mechanismByType, MAX_ITERATIONS, randomSalt, saltedPassword, type ScramMechanismInfo } from '../security/scram/scram-formatter.js';

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));

/** A refusal from a handler, with Kafka's error name; the HTTP layer answers it with a 4xx. */
export class AdminError extends Error {
  constructor(
    readonly code: number,
    message: string | null,
    readonly status = 400,
  ) {
    super(message ? `${errorName(code)}: ${message}` : errorName(code));
  }
}

export function errorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `error ${code}`;
}

/** Kafka's *_AUTHORIZATION_FAILED codes: answered 403, so the page tells "not allowed" from bad input. */
const DENIED: ReadonlySet<number> = new Set(
  Object.entries(ErrorCode)
    .filter(([name]) => name.endsWith('_AUTHORIZATION_FAILED'))
    .map(([, code]) => code as number),
);

const NOT_FOUND: ReadonlySet<number> = new Set([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.RESOURCE_NOT_FOUND]);

function check(code: number, message: string | null = null): void {
  if (code !== 0) throw new AdminError(code, message, DENIED.has(code) ? 403 : NOT_FOUND.has(code) ? 404 : 400);
}

/** Resource types of DescribeConfigs / IncrementalAlterConfigs. */
const TOPIC_RESOURCE = 2;

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: number;
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
  documentation: string | null;
}

export interface GroupMember {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  host: string;
  assignment: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupListing {
  groupId: string;
  state: string;
  type: string;
  protocolType: string;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  type: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
}

/** One ACL binding, by Kafka's codes (ResourceType, PatternType, AclOperation, AclPermissionType). */
export interface AclRow {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** A user's SCRAM credentials as DescribeUserScramCredentials lists them: mechanism and iterations, never keys. */
export interface ScramUser {
  user: string;
  credentials: Array<{ mechanism: string; iterations: number }>;
}

/** The name the lag sampler's requests carry (in the handlers' log lines); never checked against ACLs. */
export const INTERNAL_PRINCIPAL = 'runnel-console-sampler';

let correlation = 0;

export class ConsoleAdmin {
  constructor(
    private readonly broker: BrokerServices,
    private readonly as_: { remoteAddress?: string; principal?: string } = {},
    /** The other brokers of a cluster; undefined: every request is answered here. */
    private readonly link?: ClusterLink,
  ) {}

  /**
   * The console's own background reader (the lag sampler): its requests pass the broker's handlers
   * with no ACL check, as a broker-internal client. Only for sampling offsets into the charts'
   * history: what a user is shown of it is filtered by that user's own permissions when served.
   */
  static internal(broker: BrokerServices, link?: ClusterLink): ConsoleAdmin {
    const unchecked = Object.create(broker, { authorizer: { value: ALLOW_ALL } }) as BrokerServices;
    return new ConsoleAdmin(unchecked, { principal: INTERNAL_PRINCIPAL }, link);
  }

  /** The same operations made as `principal` (the console's logged-in user) from `remoteAddress`. */
  as(principal: string | undefined, remoteAddress?: string): ConsoleAdmin {
    return new ConsoleAdmin(this.broker, { principal, remoteAddress }, this.link);
  }

  /** Whether this admin's user may do `op` on a resource, by the cluster-wide ACLs (always without an authorizer). */
  may(op: AclOpCode, type: ResourceTypeCode, name: string, logIfDenied = true): boolean {
    const a = this.broker.authorizer;
    return !a.enabled || a.authorize({ principal: principalOf({ principal: this.as_.principal }), host: this.as_.remoteAddress ?? '127.0.0.1' }, op, type, name, logIfDenied);
  }

  /**
   * The node id of the group's coordinator when it is another broker; undefined when this broker
   * coordinates it (or is alone), so that its own handlers answer.
   */
  private async coordinatorOf(groupId: string): Promise<number | undefined> {
    if (!this.link || groupId === '' || this.broker.groups.coordinatorError(groupId) !== ErrorCode.NOT_COORDINATOR) return undefined;
    const res = await this.call<M.FindCoordinatorRequest, M.FindCoordinatorResponse>(10, 4, { key: '', keyType: 0, coordinatorKeys: [groupId] });
    const c = res.coordinators[0];
    if (!c) throw new AdminError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no coordinator in the answer', 500);
    if (c.errorCode !== 0) throw new AdminError(c.errorCode, c.errorMessage, DENIED.has(c.errorCode) ? 403 : 503);
    return c.nodeId === this.broker.nodeId ? undefined : c.nodeId;
  }

  /**
   * A request about a group, answered by its coordinator: in-process here, else over the wire after
   * the user passed `checks` here (the ACLs the coordinator's handler would check for the user).
   */
  private async groupCall<Req extends object, Res>(groupId: string, apiKey: number, version: number, body: Req, checks: Array<[AclOpCode, ResourceTypeCode, string]>): Promise<Res> {
    const node = await this.coordinatorOf(groupId);
    if (node === undefined || !this.link) return this.call<Req, Res>(apiKey, version, body);
    for (const [op, type, name] of checks)
      if (!this.may(op, type, name))
        throw new AdminError(type === ResourceType.GROUP ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not allowed on ${type === ResourceType.GROUP ? 'group' : 'topic'} '${name}'`, 403);
    return this.remote<Res>(node, apiKey, version, body);
  }

  private async remote<Res>(node: number, apiKey: number, version: number, body: object): Promise<Res> {
    try {
      return await this.link!.request<Res>(node, apiKey, body, version);
    } catch (err) {
      throw new AdminError(ErrorCode.COORDINATOR_NOT_AVAILABLE, (err as Error).message, 503);
    }
  }

  /** One request through its handler, as a client at `remoteAddress` with `principal` (undefined: ANONYMOUS). */
  async call<Req, Res>(apiKey: number, version: number, body: Req, who: { remoteAddress?: string; principal?: string } = this.as_): Promise<Res> {
    const handler = handlerRegistry.get(apiKey);
    if (!handler || version < handler.minVersion || version > handler.maxVersion) throw new AdminError(ErrorCode.UNSUPPORTED_VERSION, `API ${apiKey} v${version} is not served`, 500);
    // The console is a client of its own kind: no Kafka listener, authenticated as `principal` (undefined: ANONYMOUS) by the HTTP layer.
    const client: ClientInfo = {
      connectionId: -1,
      remoteAddress: who.remoteAddress ?? 'console',
      host: who.remoteAddress ?? '127.0.0.1',
      listenerName: this.broker.advertised().name,
      securityProtocol: 'PLAINTEXT',
      authenticated: true,
      clientSoftwareName: 'runnel-console',
      principal: who.principal,
    };
    const ctx: HandlerContext = {
      apiVersion: version,
      header: { requestApiKey: apiKey, requestApiVersion: version, correlationId: ++correlation, clientId: 'runnel-console' },
      client,
      broker: this.broker,
      log: this.broker.log,
    };
    const res = await handler.handle(body, ctx);
    if (res === NO_RESPONSE) throw new AdminError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no response', 500);
    return res as Res;
  }

  async createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>): Promise<void> {
    const res = await this.call<M.CreateTopicsRequest, M.CreateTopicsResponse>(19, 7, {
      topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const t = res.topics[0];
    if (!t) throw new AdminError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no result', 500);
    check(t.errorCode, t.errorMessage);
  }

  async deleteTopic(name: string): Promise<void> {
    const res = await this.call<M.DeleteTopicsRequest, M.DeleteTopicsResponse>(20, 6, { topics: [{ name, topicId: ZERO_UUID }], topicNames: [], timeoutMs: 30_000 });
    const r = res.responses[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? null);
  }

  async addPartitions(name: string, count: number): Promise<void> {
    const res = await this.call<M.CreatePartitionsRequest, M.CreatePartitionsResponse>(37, 3, { topics: [{ name, count, assignments: null }], timeoutMs: 30_000, validateOnly: false });
    const r = res.results[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? null);
  }

  /** Every config of the topic, defaults and overrides, as DescribeConfigs reports them. */
  async topicConfigs(name: string): Promise<ConfigEntry[]> {
    const res = await this.call<M.DescribeConfigsRequest, M.DescribeConfigsResponse>(32, 4, {
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: true,
    });
    const r = res.results[0];
    if (!r) return [];
    check(r.errorCode, r.errorMessage);
    return r.configs.map((c) => ({ name: c.name, value: c.value, source: c.configSource, isDefault: c.isDefault, readOnly: c.readOnly, sensitive: c.isSensitive, documentation: c.documentation }));
  }

  /** Sets (value) or removes (null: back to the default) topic configs, as kafka-configs --alter does. */
  async alterTopicConfigs(name: string, changes: Record<string, string | null>): Promise<void> {
    const configs = Object.entries(changes).map(([n, value]) => ({ name: n, configOperation: value === null ? 1 : 0, value }));
    const res = await this.call<M.IncrementalAlterConfigsRequest, M.IncrementalAlterConfigsResponse>(44, 1, {
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configs }],
      validateOnly: false,
    });
    const r = res.responses[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? null);
  }

  /** Produces one batch (acks=all) and returns the offset of its first record. */
  async produce(topic: string, partition: number, batch: Buffer): Promise<number> {
    const res = await this.call<M.ProduceRequest, M.ProduceResponse>(0, 11, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records: batch }] }],
    });
    const p = res.responses[0]?.partitionResponses[0];
    if (!p) throw new AdminError(ErrorCode.UNKNOWN_SERVER_ERROR, 'no result', 500);
    check(p.errorCode, p.errorMessage ?? p.recordErrors[0]?.batchIndexErrorMessage ?? null);
    return Number(p.baseOffset);
  }

  /**
   * Every group of the cluster: this broker's (its handler, as the user) and, in a cluster, every
   * other broker's (ListGroups to each, as Kafka's admin client lists groups), of which the user is
   * shown those ListGroups would show: all with DESCRIBE on the cluster, else those it may describe.
   * A broker that does not answer leaves its groups out.
   */
  async listGroups(): Promise<GroupListing[]> {
    const local = await this.listGroupsAt(undefined);
    if (!this.link) return local;
    const seen = new Set(local.map((g) => g.groupId));
    const others = await Promise.all(this.link.others().map((node) => this.listGroupsAt(node).catch(() => [] as GroupListing[])));
    for (const list of others)
      for (const g of list)
        if (!seen.has(g.groupId)) {
          seen.add(g.groupId);
          local.push(g);
        }
    return local;
  }

  /** The groups one broker coordinates: this one (undefined) through its handler, another over the wire filtered for the user. */
  private async listGroupsAt(node: number | undefined): Promise<GroupListing[]> {
    const req: M.ListGroupsRequest = { statesFilter: [], typesFilter: [] };
    const res = node === undefined ? await this.call<M.ListGroupsRequest, M.ListGroupsResponse>(16, 5, req) : await this.remote<M.ListGroupsResponse>(node, 16, 5, req);
    check(res.errorCode);
    const all = node === undefined || this.may(AclOp.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, false);
    return res.groups
      .filter((g) => all || this.may(AclOp.DESCRIBE, ResourceType.GROUP, g.groupId, false))
      .map((g) => ({ groupId: g.groupId, state: g.groupState, type: g.groupType, protocolType: g.protocolType }));
  }

  /** A group with its members and their assignments (DescribeGroups, or ConsumerGroupDescribe for a consumer-protocol group). */
  async describeGroup(groupId: string): Promise<GroupDescription | undefined> {
    const node = await this.coordinatorOf(groupId);
    const listed = (await this.listGroupsAt(node)).find((g) => g.groupId === groupId);
    const describe: Array<[AclOpCode, ResourceTypeCode, string]> = [[AclOp.DESCRIBE, ResourceType.GROUP, groupId]];
    if (listed?.type === 'consumer') {
      const res = await this.groupCall<M.ConsumerGroupDescribeRequest, M.ConsumerGroupDescribeResponse>(groupId, 69, 0, { groupIds: [groupId], includeAuthorizedOperations: false }, describe);
      const g = res.groups[0];
      if (!g || g.errorCode !== 0) return undefined;
      return {
        groupId,
        state: g.groupState,
        type: 'consumer',
        protocolType: 'consumer',
        protocol: g.assignorName,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          clientId: m.clientId,
          host: m.clientHost,
          assignment: m.assignment.topicPartitions.map((tp) => ({ topic: tp.topicName, partitions: [...tp.partitions].sort((a, b) => a - b) })),
        })),
      };
    }
    const res = await this.groupCall<M.DescribeGroupsRequest, M.DescribeGroupsResponse>(groupId, 15, 5, { groups: [groupId], includeAuthorizedOperations: false }, describe);
    const g = res.groups[0];
    if (!g || g.errorCode !== 0 || (g.groupState === 'Dead' && !listed)) return undefined;
    return {
      groupId,
      state: g.groupState,
      type: 'classic',
      protocolType: g.protocolType,
      protocol: g.protocolData,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: g.protocolType === 'consumer' ? consumerAssignment(m.memberAssignment) : [],
      })),
    };
  }

  /** The group's committed offsets by topic and partition. */
  async committedOffsets(groupId: string): Promise<Array<{ topic: string; partition: number; offset: number }>> {
    const res = await this.groupCall<M.OffsetFetchRequest, M.OffsetFetchResponse>(
      groupId,
      9,
      8,
      {
        groupId: '',
        topics: null,
        groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }],
        requireStable: false,
      },
      [[AclOp.DESCRIBE, ResourceType.GROUP, groupId]],
    );
    const g = res.groups[0];
    if (!g) return [];
    check(g.errorCode);
    const out: Array<{ topic: string; partition: number; offset: number }> = [];
    // All the group's offsets, as the handler lists them: only of topics the user may describe (a remote answer was made for this broker).
    const topics = g.topics.filter((t) => this.may(AclOp.DESCRIBE, ResourceType.TOPIC, t.name, false));
    for (const t of topics) for (const p of t.partitions) if (p.errorCode === 0 && p.committedOffset >= 0n) out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) });
    return out;
  }

  /** Commits offsets for a group without members (an admin commit: generation -1), as kafka-consumer-groups --reset-offsets does. */
  async commitOffsets(groupId: string, offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const byTopic = new Map<string, M.OffsetCommitRequestPartition[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null });
      byTopic.set(o.topic, list);
    }
    const res = await this.groupCall<M.OffsetCommitRequest, M.OffsetCommitResponse>(
      groupId,
      8,
      8,
      {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      },
      [[AclOp.READ, ResourceType.GROUP, groupId], ...[...byTopic.keys()].map((t): [AclOpCode, ResourceTypeCode, string] => [AclOp.READ, ResourceType.TOPIC, t])],
    );
    for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `${t.name}-${p.partitionIndex}`);
  }

  async deleteGroup(groupId: string): Promise<void> {
    const res = await this.groupCall<M.DeleteGroupsRequest, M.DeleteGroupsResponse>(groupId, 42, 2, { groupsNames: [groupId] }, [[AclOp.DELETE, ResourceType.GROUP, groupId]]);
    check(res.results[0]?.errorCode ?? 0);
  }

  async transactions(): Promise<M.DescribeTransactionsResponseTransactionState[]> {
    const list = await this.call<M.ListTransactionsRequest, M.ListTransactionsResponse>(66, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null });
    check(list.errorCode);
    if (list.transactionStates.length === 0) return [];
    const res = await this.call<M.DescribeTransactionsRequest, M.DescribeTransactionsResponse>(65, 0, { transactionalIds: list.transactionStates.map((t) => t.transactionalId) });
    return res.transactionStates.filter((t) => t.errorCode === 0);
  }

  /** Every ACL (DescribeAcls with a match-all filter): needs DESCRIBE on the cluster. */
  async listAcls(): Promise<AclRow[]> {
    const res = await this.call<M.DescribeAclsRequest, M.DescribeAclsResponse>(29, 3, {
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    check(res.errorCode, res.errorMessage);
    const out: AclRow[] = [];
    for (const r of res.resources)
      for (const a of r.acls) out.push({ resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType, principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType });
    return out;
  }

  /** One ACL (CreateAcls): needs ALTER on the cluster. */
  async createAcl(acl: AclRow): Promise<void> {
    const res = await this.call<M.CreateAclsRequest, M.CreateAclsResponse>(30, 3, {
      creations: [{ resourceType: acl.resourceType, resourceName: acl.resourceName, resourcePatternType: acl.patternType, principal: acl.principal, host: acl.host, operation: acl.operation, permissionType: acl.permission }],
    });
    const r = res.results[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? null);
  }

  /** Deletes exactly this ACL (DeleteAcls with a filter naming every field); how many were deleted. */
  async deleteAcl(acl: AclRow): Promise<number> {
    const res = await this.call<M.DeleteAclsRequest, M.DeleteAclsResponse>(31, 3, {
      filters: [{ resourceTypeFilter: acl.resourceType, resourceNameFilter: acl.resourceName, patternTypeFilter: acl.patternType, principalFilter: acl.principal, hostFilter: acl.host, operation: acl.operation, permissionType: acl.permission }],
    });
    const r = res.filterResults[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? null);
    return r?.matchingAcls.length ?? 0;
  }

  /** Every user with a SCRAM credential (DescribeUserScramCredentials for all users): needs DESCRIBE on the cluster. */
  async scramUsers(): Promise<ScramUser[]> {
    const res = await this.call<M.DescribeUserScramCredentialsRequest, M.DescribeUserScramCredentialsResponse>(50, 0, { users: null });
    check(res.errorCode, res.errorMessage);
    return res.results
      .filter((r) => r.errorCode === 0)
      .map((r) => ({ user: r.user, credentials: r.credentialInfos.map((c) => ({ mechanism: mechanismByType(c.mechanism)?.name ?? `mechanism ${c.mechanism}`, iterations: c.iterations })) }));
  }

  /**
   * Creates or replaces one SCRAM credential of a user (AlterUserScramCredentials: needs ALTER on
   * the cluster). The password is salted here, as Kafka's admin client does, and goes no further:
   * the handler gets the salt and the salted password only.
   */
  async upsertScramUser(user: string, mechanism: ScramMechanismInfo, iterations: number, password: string): Promise<void> {
    const salt = randomSalt();
    // Hi() over more iterations than the handler accepts would only burn CPU before the refusal.
    const salted = iterations >= 1 && iterations <= MAX_ITERATIONS ? await saltedPassword(mechanism, password, salt, iterations) : Buffer.alloc(mechanism.size);
    await this.alterScram({ deletions: [], upsertions: [{ name: user, mechanism: mechanism.type, iterations, salt, saltedPassword: salted }] });
  }

  /** Deletes one SCRAM credential of a user (AlterUserScramCredentials: needs ALTER on the cluster). */
  async deleteScramUser(user: string, mechanism: ScramMechanismInfo): Promise<void> {
    await this.alterScram({ deletions: [{ name: user, mechanism: mechanism.type }], upsertions: [] });
  }

  private async alterScram(req: M.AlterUserScramCredentialsRequest): Promise<void> {
    const res = await this.call<M.AlterUserScramCredentialsRequest, M.AlterUserScramCredentialsResponse>(51, 0, req);
    const r = res.results[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? null);
  }

  async producers(topic: string, partitions: number[]): Promise<M.DescribeProducersResponsePartitionResponse[]> {
    const res = await this.call<M.DescribeProducersRequest, M.DescribeProducersResponse>(61, 0, { topics: [{ name: topic, partitionIndexes: partitions }] });
    return res.topics[0]?.partitions ?? [];
  }
}

/** A classic consumer's assignment bytes (ConsumerProtocolAssignment with its version prefix); empty when unreadable. */
function consumerAssignment(bytes: Buffer): Array<{ topic: string; partitions: number[] }> {
  if (bytes.length < 2) return [];
  try {
    const r = new Reader(bytes);
    const v = r.int16();
    return readConsumerProtocolAssignment(r, v).assignedPartitions.map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) }));
  } catch {
    return [];
  }
}
