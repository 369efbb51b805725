/** Topic and group administration: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, groups. */
import * as m from '../protocol/messages/index.js';
import { ApiKey } from './connection.js';
import type { Client } from './client.js';
import { check, KafkaError } from './errors.js';

export interface NewTopic {
  name: string;
  /** -1: the broker's default. */
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** A manual assignment: partition i's replica list (partitions and replicationFactor then -1). */
  assignments?: number[][];
}

export async function createTopic(client: Client, t: NewTopic, timeoutMs = 30_000): Promise<void> {
  const res = await client.bootstrap.request<m.CreateTopicsResponse>(ApiKey.CreateTopics, {
    topics: [
      {
        ...m.defaultCreateTopicsRequestCreatableTopic(),
        name: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configs: Object.entries(t.configs).map(([name, value]) => ({ ...m.defaultCreateTopicsRequestCreatableTopicConfig(), name, value })),
        assignments: (t.assignments ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
      },
    ],
    timeoutMs,
  });
  const r = res.topics.find((x) => x.name === t.name) ?? res.topics[0];
  if (!r) throw new KafkaError(-1, `create topic '${t.name}'`, 'empty response');
  check(r.errorCode, `create topic '${t.name}'`, r.errorMessage);
}

export async function deleteTopic(client: Client, name: string, timeoutMs = 30_000): Promise<void> {
  const conn = client.bootstrap;
  const v = conn.version(ApiKey.DeleteTopics);
  const body = v >= 6 ? { topics: [{ ...m.defaultDeleteTopicsRequestDeleteTopicState(), name }], timeoutMs } : { topicNames: [name], timeoutMs };
  const res = await conn.request<m.DeleteTopicsResponse>(ApiKey.DeleteTopics, body, v);
  const r = res.responses[0];
  if (!r) throw new KafkaError(-1, `delete topic '${name}'`, 'empty response');
  check(r.errorCode, `delete topic '${name}'`, r.errorMessage);
}

/** `assignments`: the replica lists of the new partitions only (Kafka's NewPartitions). */
export async function createPartitions(client: Client, name: string, count: number, timeoutMs = 30_000, assignments?: number[][]): Promise<void> {
  const res = await client.bootstrap.request<m.CreatePartitionsResponse>(ApiKey.CreatePartitions, {
    topics: [{ ...m.defaultCreatePartitionsRequestCreatePartitionsTopic(), name, count, assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null }],
    timeoutMs,
  });
  const r = res.results[0];
  if (!r) throw new KafkaError(-1, `alter topic '${name}'`, 'empty response');
  check(r.errorCode, `alter topic '${name}'`, r.errorMessage);
}

const TOPIC_RESOURCE = 2;
const DEFAULT_CONFIG = 5;

/** A topic's configs that differ from the defaults (what kafka-topics.sh --describe prints). */
export interface TopicConfigEntry {
  name: string;
  value: string | null;
  /** Kafka's default (no topic override). */
  isDefault: boolean;
  isSensitive: boolean;
}

/** Every config of a topic as DescribeConfigs reports it, defaults included. */
export async function topicConfigs(client: Client, name: string): Promise<TopicConfigEntry[]> {
  const conn = client.bootstrap;
  const v = conn.version(ApiKey.DescribeConfigs);
  const res = await conn.request<m.DescribeConfigsResponse>(ApiKey.DescribeConfigs, {
    resources: [{ ...m.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null }],
  });
  const r = res.results[0];
  if (!r) return [];
  check(r.errorCode, `describe configs of '${name}'`, r.errorMessage);
  return r.configs.map((c) => ({ name: c.name, value: c.value, isDefault: v >= 1 ? c.configSource === DEFAULT_CONFIG : c.isDefault, isSensitive: c.isSensitive }));
}

/** A topic's non-default configs, name order (what kafka-topics.sh --describe prints). */
export function configOverrides(entries: TopicConfigEntry[]): Array<[string, string]> {
  return entries
    .filter((c) => !c.isDefault && !c.isSensitive && c.value !== null)
    .map((c): [string, string] => [c.name, c.value ?? ''])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

export async function topicConfigOverrides(client: Client, name: string): Promise<Array<[string, string]>> {
  return configOverrides(await topicConfigs(client, name));
}

export async function listGroups(client: Client): Promise<m.ListGroupsResponseListedGroup[]> {
  const res = await client.bootstrap.request<m.ListGroupsResponse>(ApiKey.ListGroups, {});
  check(res.errorCode, 'list groups');
  return res.groups;
}

export async function describeGroups(client: Client, groups: string[]): Promise<m.DescribeGroupsResponseDescribedGroup[]> {
  const out: m.DescribeGroupsResponseDescribedGroup[] = [];
  for (const g of groups) {
    const conn = await client.coordinator(g);
    const res = await conn.request<m.DescribeGroupsResponse>(ApiKey.DescribeGroups, { groups: [g] });
    out.push(...res.groups);
  }
  return out;
}

export async function deleteGroups(client: Client, groups: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
  const out: Array<{ groupId: string; errorCode: number }> = [];
  for (const g of groups) {
    const conn = await client.coordinator(g);
    const res = await conn.request<m.DeleteGroupsResponse>(ApiKey.DeleteGroups, { groupsNames: [g] });
    out.push(...res.results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode })));
  }
  return out;
}
