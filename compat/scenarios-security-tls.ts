/** Security scenarios of the TLS listener (src/security/tls/): the broker's material comes from compat/lib/tls-setup.ts. */
import type { Scenario } from './scenarios.js';
import { tlsSetup } from './lib/tls-setup.js';

export const tlsScenarios: readonly Scenario[] = [
  {
    // Not just "ssl": the Python scripts would be ssl.py, which shadows Python's ssl module.
    name: 'ssl-client-cert',
    description:
      'an SSL listener with ssl.client.auth=required (PEM keystore and truststore made by openssl): with the CA and ' +
      'a client certificate the client produces 20 messages and consumes them back; without a client certificate ' +
      'it cannot connect (metadata fails within the timeout)',
    setup: () => tlsSetup({ clientAuth: 'required', broker: { 'runnel.ssl.reload.check.interval.ms': 0 } }),
  },
];
