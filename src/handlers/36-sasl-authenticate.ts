/**
 * SaslAuthenticate (key 36), v0–v2.
 *
 * One token of the SASL exchange the preceding SaslHandshake (v1) chose, fed to the mechanism by
 * the connection's SASL session (src/security/sasl/session.ts). On success the last response has
 * session_lifetime_ms (v1+): min(connections.max.reauth.ms, the credential's expiry), 0 when the
 * session does not expire (KIP-368). A failure is SASL_AUTHENTICATION_FAILED with a message that
 * carries no credential, then the connection is closed after
 * connection.failed.authentication.delay.ms. Outside an exchange (authenticated, or a listener
 * without SASL) the answer is ILLEGAL_SASL_STATE, as from Kafka's KafkaApis.
 */
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/messages/index.js';
import { SaslAuthenticateRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { saslSessionOf } from '../security/sasl/session.js';
import { defineHandler } from './types.js';

export default defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>(SaslAuthenticateRequestMeta, {
  note: 'KIP-368 session lifetime and re-authentication',
  async handle(req, ctx) {
    const session = saslSessionOf(ctx.client);
    if (!session)
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    return session.authenticate(req.authBytes);
  },
});
