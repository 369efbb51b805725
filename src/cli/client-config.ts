/**
 * The one place a tool turns its client config file (--command-config, or --producer.config /
 * --consumer.config where Kafka's script takes those) and its -property flags into connection
 * settings: client.id and the security keys (security.protocol, ssl.*, sasl.*).
 */
import type { ConnectionOptions } from '../client/connection.js';
import { clientSecurity, loadClientProperties } from '../client/security/client-security.js';
import { UsageError } from './args.js';

export interface ToolClientConfig {
  /** The file's properties, then `overrides` over them (as Kafka's tools put --producer-property last). */
  props: Map<string, string>;
  options: ConnectionOptions;
}

/**
 * Reads whichever of `fileFlags` was given (at most one: a file flag and the newer
 * --command-config name the same thing) and merges `overrides` over it.
 */
export function toolClientConfig(
  flags: Map<string, string[]>,
  defaultClientId: string,
  o: { fileFlags?: readonly string[]; overrides?: ReadonlyMap<string, string> } = {},
): ToolClientConfig {
  const fileFlags = o.fileFlags ?? ['--command-config'];
  const given = fileFlags.filter((f) => flags.has(f));
  if (given.length > 1) throw new UsageError(`give ${given.join(' or ')}, not both`);
  const props = given.length === 1 ? loadClientProperties(flags.get(given[0])![0], given[0]) : new Map<string, string>();
  for (const [k, v] of o.overrides ?? []) props.set(k, v);
  return { props, options: { clientId: props.get('client.id') ?? defaultClientId, security: clientSecurity(props) } };
}
