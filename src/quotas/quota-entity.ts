/**
 * A client quota entity as Kafka names it: one name (or null, the default entity) for some of the
 * entity types user, client-id and ip. Entities are compared by a canonical key, so that the order in
 * which a request lists the types does not matter.
 */

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';
export const ENTITY_TYPES = [USER, CLIENT_ID, IP] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** The principal name quotas see for an unauthenticated connection (Kafka's KafkaPrincipal.ANONYMOUS). */
export const ANONYMOUS = 'ANONYMOUS';

/** Entity type → name (null: the default entity of that type). */
export type QuotaEntity = ReadonlyMap<string, string | null>;

export interface QuotaEntry {
  entity: QuotaEntity;
  /** Quota key → value. Never empty: an entity without values is not stored. */
  values: Readonly<Record<string, number>>;
}

const order = (t: string): number => {
  const i = (ENTITY_TYPES as readonly string[]).indexOf(t);
  return i < 0 ? ENTITY_TYPES.length : i;
};

/** The entity's types in a fixed order (user, client-id, ip, then others by name). */
export function entityPairs(e: QuotaEntity): Array<[string, string | null]> {
  return [...e].sort((a, b) => order(a[0]) - order(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function entityKey(e: QuotaEntity): string {
  return JSON.stringify(entityPairs(e));
}

export function entityOf(pairs: Iterable<readonly [string, string | null]>): QuotaEntity {
  return new Map(pairs);
}

/** Kafka's ClientQuotaEntity.toString, for error messages. */
export function describeEntity(e: QuotaEntity): string {
  return `ClientQuotaEntity(entries={${entityPairs(e).map(([t, n]) => `${t}=${n}`).join(', ')}})`;
}

/** The address Node reports for an IPv4 peer of a dual-stack socket, as the IPv4 address. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
