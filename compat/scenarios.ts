/**
 * The scenarios of the compatibility suite, in the order of the table's columns. A client takes
 * part in a scenario by having a script compat/clients/<client>/<scenario>.<ext> (see clients.ts);
 * a script whose name is not listed here is an error, so a typo cannot silently drop a scenario.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Per-script timeout; the default is 60 s (RUNNEL_COMPAT_TIMEOUT_MS overrides both). */
  timeoutMs?: number;
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'metadata',
    description:
      'connect (ApiVersions), auto-create a topic through Metadata (retrying LEADER_NOT_AVAILABLE), ' +
      'list topics, see it with 1 partition, and see broker 1 at the advertised host:port',
  },
];
