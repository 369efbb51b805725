/** The SCRAM mechanisms for the SASL registry: both read the broker's credential store on every attempt. */
import type { SaslMechanismFactory } from '../sasl/mechanism.js';
import { lookupCredential, type ScramCredentialStore } from './credential-store.js';
import { scramMechanismFactory } from './scram-mechanism.js';
import { mechanismByName, type ScramMechanismName } from './scram-formatter.js';

export function scramFactory(name: ScramMechanismName, store: ScramCredentialStore): SaslMechanismFactory {
  return scramMechanismFactory(mechanismByName(name)!, { lookup: (user) => lookupCredential(store, user, name) });
}
