/**
 * The quota keys Kafka accepts per entity kind (QuotaConfig.userAndClientQuotaConfigs / ipConfigs)
 * and the validation of an AlterClientQuotas entry (ClientQuotaControlManager): the entity's types
 * and names, their combination, then each set value. Messages are Kafka's.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { CLIENT_ID, IP, USER, type QuotaEntity } from './quota-entity.js';

export const PRODUCER_BYTE_RATE = 'producer_byte_rate';
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate';
export const REQUEST_PERCENTAGE = 'request_percentage';
export const CONTROLLER_MUTATION_RATE = 'controller_mutation_rate';
export const CONNECTION_CREATION_RATE = 'connection_creation_rate';

type ValueType = 'long' | 'double' | 'int';

const USER_CLIENT_KEYS: Record<string, ValueType> = {
  [PRODUCER_BYTE_RATE]: 'long',
  [CONSUMER_BYTE_RATE]: 'long',
  [REQUEST_PERCENTAGE]: 'double',
  [CONTROLLER_MUTATION_RATE]: 'double',
};
const IP_KEYS: Record<string, ValueType> = { [CONNECTION_CREATION_RATE]: 'int' };

const LIMITS: Record<ValueType, { max: number; name: string } | undefined> = {
  double: undefined,
  int: { max: 2 ** 31 - 1, name: 'an INT' },
  long: { max: 2 ** 63, name: 'a LONG' },
};

export class QuotaRequestError extends Error {
  override name = 'QuotaRequestError';
  constructor(
    message: string,
    /** INVALID_REQUEST unless said otherwise (UNSUPPORTED_VERSION for an unknown entity type in a filter). */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** Kafka resolves a hostname given as an ip entity; a bounded wait keeps a dead resolver from hanging the request. */
async function resolvable(host: string): Promise<boolean> {
  if (isIP(host)) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 2000);
  });
  try {
    return await Promise.race([lookup(host).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The keys valid for `entity`, or the error for an entity Kafka refuses. */
export async function keysFor(entity: QuotaEntity): Promise<Record<string, ValueType> | string> {
  if (entity.size === 0) return 'Invalid empty client quota entity';
  for (const [type, name] of entity) {
    if (type !== USER && type !== CLIENT_ID && type !== IP) return `Unhandled client quota entity type: ${type}`;
    if (name !== null && name === '') return `Empty ${type} not supported`;
  }
  if (entity.has(IP)) {
    if (entity.has(USER) || entity.has(CLIENT_ID)) return 'Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId';
    const ip = entity.get(IP) ?? null;
    if (ip !== null && !(await resolvable(ip))) return `${ip} is not a valid IP or resolvable host.`;
    return IP_KEYS;
  }
  return USER_CLIENT_KEYS;
}

/** The error for setting `key` to `value` on an entity whose valid keys are `keys`, or undefined. */
export function valueError(keys: Record<string, ValueType>, key: string, value: number): string | undefined {
  const type = keys[key];
  if (!type) return `Invalid configuration key ${key}`;
  if (!(value > 0)) return `Quota ${key} must be greater than 0`;
  const limit = LIMITS[type];
  if (!limit) return undefined;
  if (value > limit.max) return `Proposed value for ${key} is too large for ${limit.name}.`;
  if (Math.abs(value % 1) > 1e-6) return `${key} cannot be a fractional value.`;
  return undefined;
}
