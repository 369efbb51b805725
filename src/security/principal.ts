/** Kafka's principal string for a connection: User:<name>, User:ANONYMOUS before authentication. */
export function principalOf(client: { principal?: string }): string {
  return `User:${client.principal ?? 'ANONYMOUS'}`;
}
