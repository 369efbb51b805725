/**
 * A client's `sasl.jaas.config`: the broker's parser (src/security/sasl/jaas.ts, Kafka's JaasConfig
 * rules), with its errors as ClientError so that tools print them as one line. A client takes
 * exactly one login module, as Kafka's JaasContext insists.
 */
import { ClientError } from '../errors.js';
import { JaasParseError, parseSingleJaasEntry, type JaasEntry } from '../../security/sasl/jaas.js';

export type { JaasEntry };

/** The one login module of a client's sasl.jaas.config (`key` names the property in errors). */
export function clientJaasEntry(text: string, key = 'sasl.jaas.config'): JaasEntry {
  try {
    return parseSingleJaasEntry(text);
  } catch (err) {
    if (err instanceof JaasParseError) throw new ClientError(`${key}: ${err.message}`);
    throw err;
  }
}
