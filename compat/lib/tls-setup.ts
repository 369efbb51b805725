/**
 * TLS material for a compat scenario's broker (Scenario.setup): a CA, a server certificate for
 * localhost / 127.0.0.1 and client certificates (test/helpers/certs.ts, made with openssl in a
 * temporary directory), the broker's ssl.* settings and the scripts' environment:
 *
 *   RUNNEL_SSL_CA                  the CA certificate (PEM) the client trusts
 *   RUNNEL_SSL_CLIENT_CERT / _KEY  a client certificate (CN=<client>) and its key (PEM)
 *   RUNNEL_SSL_CLIENT_PRINCIPAL    the principal name the broker gives that certificate
 *
 * Other security scenarios (SASL_SSL) call it too and add their own settings and variables.
 */
import type { ScenarioSetup } from '../scenarios.js';
import { makeCerts, pemBrokerSettings, type Certs } from '../../test/helpers/certs.js';

export interface TlsSetupOptions {
  /** The listener: 'SSL' or 'SASL_SSL' (listeners=<protocol>://127.0.0.1:0). */
  protocol?: 'SSL' | 'SASL_SSL';
  /** ssl.client.auth of the listener. */
  clientAuth?: 'none' | 'requested' | 'required';
  /** Common name of the client certificate. */
  client?: string;
  /** More broker settings (SASL keys, ACLs, ...). */
  broker?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}

export function tlsSetup(opts: TlsSetupOptions = {}): ScenarioSetup & { certs: Certs } {
  const protocol = opts.protocol ?? 'SSL';
  const client = opts.client ?? 'compat-client';
  const certs = makeCerts({ clients: [client] });
  const prefix = `listener.name.${protocol.toLowerCase()}.`;
  return {
    certs,
    broker: {
      listeners: `${protocol}://127.0.0.1:0`,
      ...pemBrokerSettings(certs),
      ...(opts.clientAuth ? { [`${protocol === 'SSL' ? '' : prefix}ssl.client.auth`]: opts.clientAuth } : {}),
      ...opts.broker,
    },
    env: {
      RUNNEL_SSL_CA: certs.ca,
      RUNNEL_SSL_CLIENT_CERT: certs.clients[client].cert,
      RUNNEL_SSL_CLIENT_KEY: certs.clients[client].key,
      RUNNEL_SSL_CLIENT_PRINCIPAL: certs.clients[client].dn,
      ...opts.env,
    },
    cleanup: () => certs.cleanup(),
  };
}
