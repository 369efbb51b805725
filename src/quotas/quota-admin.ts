/**
 * DescribeClientQuotas and AlterClientQuotas over a QuotaStore, with the semantics of Kafka's
 * ClientQuotaControlManager and ClientQuotasImage.describe:
 *  - describe: filter components by entity type, each matching an exact name (0), the default
 *    entity (1) or any specified name (2); strict keeps only entities with no other types. A bad
 *    filter fails the whole request (INVALID_REQUEST; UNSUPPORTED_VERSION for an unknown type).
 *  - alter: each entry is validated on its own (entity, combination, keys and values); the valid
 *    ones are applied together, the others answered with INVALID_REQUEST and their message.
 *    Removals are not validated (removing an absent or unknown key is a no-op); validateOnly
 *    applies nothing.
 */
import { CLIENT_ID, describeEntity, entityKey, IP, USER, type QuotaEntity, type QuotaEntry } from './quota-entity.js';
import { keysFor, QuotaRequestError, valueError } from './quota-keys.js';
import type { QuotaChange, QuotaStore } from './quota-store.js';

export const MATCH_EXACT = 0;
export const MATCH_DEFAULT = 1;
export const MATCH_SPECIFIED = 2;

export interface FilterComponent {
  entityType: string;
  matchType: number;
  match: string | null;
}

/** The entries matching a filter; throws QuotaRequestError for a filter Kafka refuses. */
export function describeQuotas(entries: Iterable<QuotaEntry>, components: readonly FilterComponent[], strict: boolean): QuotaEntry[] {
  const exact = new Map<string, string | null>();
  const typed = new Set<string>();
  for (const c of components) {
    const t = c.entityType;
    if (t === '') throw new QuotaRequestError('Invalid empty entity type.');
    if (exact.has(t) || typed.has(t)) throw new QuotaRequestError(`Entity type ${t} cannot appear more than once in the filter.`);
    if (t !== USER && t !== CLIENT_ID && t !== IP) throw new QuotaRequestError(`Unsupported entity type ${t}`, true);
    switch (c.matchType) {
      case MATCH_EXACT:
        if (c.match === null) throw new QuotaRequestError('Request specified MATCH_TYPE_EXACT, but set match string to null.');
        exact.set(t, c.match);
        break;
      case MATCH_DEFAULT:
        if (c.match !== null) throw new QuotaRequestError('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
        exact.set(t, null);
        break;
      case MATCH_SPECIFIED:
        if (c.match !== null) throw new QuotaRequestError('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
        typed.add(t);
        break;
      default:
        throw new QuotaRequestError(`Unknown match type ${c.matchType}`);
    }
  }
  const has = (t: string): boolean => exact.has(t) || typed.has(t);
  if (has(IP) && (has(USER) || has(CLIENT_ID)))
    throw new QuotaRequestError('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
  const out: QuotaEntry[] = [];
  for (const e of entries) {
    if (strict && e.entity.size !== exact.size + typed.size) continue;
    let ok = true;
    for (const [t, name] of exact) if (!e.entity.has(t) || e.entity.get(t) !== name) ok = false;
    for (const t of typed) if (!e.entity.has(t)) ok = false;
    if (ok) out.push(e);
  }
  return out;
}

export interface Alteration {
  /** The entity as the request lists it (a type named twice: the last name counts, as in Kafka's map). */
  entity: Array<[string, string | null]>;
  ops: Array<{ key: string; value: number; remove: boolean }>;
}

export interface AlterResult {
  entity: QuotaEntity;
  error: string | null;
}

/** Validates and (unless validateOnly) applies the alterations; one result per distinct entity. */
export async function alterQuotas(store: QuotaStore, alterations: readonly Alteration[], validateOnly: boolean): Promise<AlterResult[]> {
  const results = new Map<string, AlterResult>();
  const changes: QuotaChange[] = [];
  // Entity checks may resolve host names (ip entities): all at once, not one after the other.
  const keyChecks = await Promise.all(alterations.map((a) => keysFor(new Map(a.entity))));
  for (const [i, a] of alterations.entries()) {
    const entity: QuotaEntity = new Map(a.entity);
    const key = entityKey(entity);
    const ops = new Map<string, number | null>();
    let duplicateKey = false;
    for (const op of a.ops) {
      if (ops.has(op.key)) duplicateKey = true;
      else ops.set(op.key, op.remove ? null : op.value);
    }
    // As in Kafka, a duplicate key and a repeated entity both end as "Ignoring duplicate entity".
    if (duplicateKey || results.has(key)) {
      results.set(key, { entity, error: `Ignoring duplicate entity ${describeEntity(entity)}` });
      continue;
    }
    const keys = keyChecks[i];
    if (typeof keys === 'string') {
      results.set(key, { entity, error: keys });
      continue;
    }
    let error: string | undefined;
    for (const [k, v] of ops) {
      if (v === null) continue;
      error = valueError(keys, k, v);
      if (error) break;
    }
    results.set(key, { entity, error: error ?? null });
    if (!error) changes.push({ entity, ops });
  }
  // An entity failed as a duplicate after it was accepted is not applied either.
  const applied = changes.filter((c) => results.get(entityKey(c.entity))?.error === null);
  if (!validateOnly && applied.some((c) => c.ops.size > 0)) await store.apply(applied);
  return [...results.values()];
}
