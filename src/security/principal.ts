/** Kafka principals: the default principal builder makes `User:<name>`, and an unauthenticated client is User:ANONYMOUS. */
import type { ClientInfo } from '../handlers/types.js';

export const ANONYMOUS = 'ANONYMOUS';

export function principalOf(client: Pick<ClientInfo, 'principal'>): string {
  return `User:${client.principal ?? ANONYMOUS}`;
}
