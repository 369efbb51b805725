/** DescribeConfigs and IncrementalAlterConfigs as Kafka's admin client sends them, for `runnel configs`. */
import * as m from '../protocol/messages/index.js';
import type { Connection } from './connection.js';
import { ApiKey } from './connection.js';
import { KafkaError } from './errors.js';

const INCREMENTAL_ALTER_CONFIGS = 44;

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, GROUP: 32 } as const;
export const AlterOp = { SET: 0, DELETE: 1 } as const;

/** ConfigEntry.ConfigSource names as the Java admin client prints them, by wire id. */
const SOURCE_NAMES = ['UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'DYNAMIC_CLIENT_METRICS_CONFIG', 'DYNAMIC_GROUP_CONFIG'];

export function sourceName(id: number): string {
  return SOURCE_NAMES[id] ?? 'UNKNOWN';
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  isSensitive: boolean;
  synonyms: Array<{ name: string; value: string | null; source: string }>;
}

/** A refusal from the broker for one resource: its error code and message, as Kafka's admin client surfaces them. */
export class ResourceError extends KafkaError {
  constructor(
    code: number,
    readonly detail: string | null,
    what: string,
  ) {
    super(code, what, detail);
  }
}

export async function describeConfigs(conn: Connection, resourceType: number, resourceName: string, includeSynonyms: boolean): Promise<ConfigEntry[]> {
  const res = await conn.request<m.DescribeConfigsResponse>(ApiKey.DescribeConfigs, {
    resources: [{ ...m.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType, resourceName, configurationKeys: null }],
    includeSynonyms,
    includeDocumentation: false,
  });
  const r = res.results[0];
  if (!r) throw new KafkaError(-1, `describe configs of '${resourceName}'`, 'empty response');
  if (r.errorCode !== 0) throw new ResourceError(r.errorCode, r.errorMessage, `describe configs of '${resourceName}'`);
  return r.configs.map((c) => ({
    name: c.name,
    value: c.value,
    source: sourceName(c.configSource),
    isSensitive: c.isSensitive,
    synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: sourceName(s.source) })),
  }));
}

export async function incrementalAlterConfigs(conn: Connection, resourceType: number, resourceName: string, ops: Array<{ name: string; op: number; value: string | null }>): Promise<void> {
  const res = await conn.request<m.IncrementalAlterConfigsResponse>(INCREMENTAL_ALTER_CONFIGS, {
    resources: [
      {
        ...m.defaultIncrementalAlterConfigsRequestAlterConfigsResource(),
        resourceType,
        resourceName,
        configs: ops.map((o) => ({ ...m.defaultIncrementalAlterConfigsRequestAlterableConfig(), name: o.name, configOperation: o.op, value: o.value })),
      },
    ],
    validateOnly: false,
  });
  const r = res.responses[0];
  if (!r) throw new KafkaError(-1, `alter configs of '${resourceName}'`, 'empty response');
  if (r.errorCode !== 0) throw new ResourceError(r.errorCode, r.errorMessage, `alter configs of '${resourceName}'`);
}
