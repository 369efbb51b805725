/**
 * Listeners as Kafka configures them: `listeners=NAME://host:port,...`, each name mapped to a
 * security protocol by `listener.security.protocol.map` (by default each of Kafka's four protocol
 * names maps to itself), and what clients are told through `advertised.listeners`.
 */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Kafka's default listener.security.protocol.map. */
export const DEFAULT_PROTOCOL_MAP = 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
  securityProtocol: SecurityProtocol;
}

export const usesTls = (p: SecurityProtocol): boolean => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SecurityProtocol): boolean => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

export function isSecurityProtocol(s: string): s is SecurityProtocol {
  return (PROTOCOLS as readonly string[]).includes(s);
}

/** `NAME:PROTOCOL,...`; throws with Kafka's kind of message on a bad entry. */
export function parseProtocolMap(text: string, fail: (msg: string) => never): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, protocol, extra] = entry.split(':').map((s) => s.trim());
    if (!name || protocol === undefined || extra !== undefined) fail(`listener.security.protocol.map: '${entry}' is not NAME:PROTOCOL`);
    const p = protocol.toUpperCase();
    if (!isSecurityProtocol(p)) fail(`listener.security.protocol.map: unknown security protocol '${protocol}' for listener ${name} (one of ${PROTOCOLS.join(', ')})`);
    map.set(name.toUpperCase(), p);
  }
  return map;
}
