/**
 * SaslHandshake (key 17), v0–v1.
 *
 * On a SASL listener the connection's SASL session (src/security/sasl/session.ts) answers it: the
 * enabled mechanisms (sasl.enabled.mechanisms) and NONE when the client's mechanism is one of
 * them, else UNSUPPORTED_SASL_MECHANISM with the same list, after which the connection is closed
 * (after connection.failed.authentication.delay.ms). After v0 the client sends raw SASL tokens;
 * after v1, SaslAuthenticate requests. A SaslHandshake on an authenticated connection starts a
 * KIP-368 re-authentication when the session has an expiry; otherwise, and on PLAINTEXT and SSL
 * listeners, it gets ILLEGAL_SASL_STATE, as from Kafka's KafkaApis.
 */
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/messages/index.js';
import { SaslHandshakeRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { saslSessionOf } from '../security/sasl/session.js';
import { defineHandler } from './types.js';

export default defineHandler<SaslHandshakeRequest, SaslHandshakeResponse>(SaslHandshakeRequestMeta, {
  note: 'SASL listeners only; PLAIN built in (mechanisms plug in by name)',
  handle(req, ctx) {
    const session = saslSessionOf(ctx.client);
    if (!session) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    return session.handshake(req.mechanism, ctx.apiVersion);
  },
});
