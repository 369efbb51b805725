/** A plaintext, already-authenticated client as handler tests see it. */
import type { ClientInfo } from '../../src/handlers/types.js';

export function testClient(overrides: Partial<ClientInfo> = {}): ClientInfo {
  return { connectionId: 1, remoteAddress: '127.0.0.1:5000', host: '127.0.0.1', listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', authenticated: true, ...overrides };
}
