/** Partition reassignment for the tools: AlterPartitionReassignments, ListPartitionReassignments, and the throttle configs (IncrementalAlterConfigs). */
import type * as m from '../protocol/messages/index.js';
import type { Client } from './client.js';
import type { Connection } from './connection.js';
import { check, KafkaError } from './errors.js';

const ALTER_PARTITION_REASSIGNMENTS = 45;
const LIST_PARTITION_REASSIGNMENTS = 46;
const INCREMENTAL_ALTER_CONFIGS = 44;

export interface ReassignmentRequest {
  topic: string;
  partition: number;
  /** null cancels. */
  replicas: number[] | null;
}

export interface PartitionOutcome {
  topic: string;
  partition: number;
  errorCode: number;
  message: string | null;
}

function byTopic<T extends { topic: string }>(xs: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) out.set(x.topic, [...(out.get(x.topic) ?? []), x]);
  return out;
}

export async function alterPartitionReassignments(client: Client, reqs: readonly ReassignmentRequest[], timeoutMs = 30_000): Promise<PartitionOutcome[]> {
  const topics = [...byTopic(reqs)].map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas })) }));
  const res = await client.bootstrap.request<m.AlterPartitionReassignmentsResponse>(ALTER_PARTITION_REASSIGNMENTS, { timeoutMs, topics }, 0);
  check(res.errorCode, 'alter partition reassignments', res.errorMessage);
  return res.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode, message: p.errorMessage })));
}

export interface Ongoing {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** Ongoing reassignments: all, or of the named partitions. */
export async function listPartitionReassignments(client: Client, parts?: ReadonlyArray<{ topic: string; partition: number }>, timeoutMs = 30_000): Promise<Ongoing[]> {
  const topics = parts ? [...byTopic(parts)].map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) })) : null;
  const res = await client.bootstrap.request<m.ListPartitionReassignmentsResponse>(LIST_PARTITION_REASSIGNMENTS, { timeoutMs, topics }, 0);
  check(res.errorCode, 'list partition reassignments', res.errorMessage);
  return res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })));
}

export const BROKER_RESOURCE = 4;
export const TOPIC_RESOURCE = 2;
const SET = 0;
const DELETE = 1;

/** SETs (value given) or DELETEs (null) configs of one resource through `conn`. */
export async function alterConfigs(conn: Connection, resourceType: number, resourceName: string, configs: Record<string, string | null>): Promise<void> {
  const ops = Object.entries(configs).map(([name, value]) => ({ name, configOperation: value === null ? DELETE : SET, value }));
  const res = await conn.request<m.IncrementalAlterConfigsResponse>(INCREMENTAL_ALTER_CONFIGS, { resources: [{ resourceType, resourceName, configs: ops }], validateOnly: false });
  const r = res.responses[0];
  if (!r) throw new KafkaError(-1, `alter configs of ${resourceName}`, 'empty response');
  check(r.errorCode, `alter configs of ${resourceType === BROKER_RESOURCE ? 'broker' : 'topic'} ${resourceName}`, r.errorMessage);
}
