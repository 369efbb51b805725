/**
 * OAUTHBEARER scenarios. The identity provider is played by a signing key made when the suite
 * starts: its public half is the broker's JWKS file (sasl.oauthbearer.jwks.endpoint.url=file:...),
 * its private half is handed to the scripts (RUNNEL_OAUTH_KEY_FILE, a PEM; RUNNEL_OAUTH_KID,
 * RUNNEL_OAUTH_ISSUER, RUNNEL_OAUTH_AUDIENCE), which sign their own tokens as a client's token
 * provider would fetch them. Scripts inherit the runner's environment, hence process.env.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from './scenarios.js';

const ISSUER = 'https://idp.runnel.test';
const AUDIENCE = 'runnel-compat';
const KID = 'compat-1';

function identityProvider(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-compat-oauth-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = join(dir, 'jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' }] }));
  const pem = join(dir, 'key.pem');
  writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  Object.assign(process.env, { RUNNEL_OAUTH_KEY_FILE: pem, RUNNEL_OAUTH_KID: KID, RUNNEL_OAUTH_ISSUER: ISSUER, RUNNEL_OAUTH_AUDIENCE: AUDIENCE });
  return pathToFileURL(jwks).href;
}

export const oauthScenarios: readonly Scenario[] = [
  {
    name: 'sasl-oauthbearer',
    description:
      'SASL_PLAINTEXT with OAUTHBEARER validated against a JWKS file (issuer and audience checked): the client\'s ' +
      'token provider returns an ES256 token for sub=alice; produce and consume 10 messages; then a token for the ' +
      'wrong audience and an expired one are refused with SASL_AUTHENTICATION_FAILED (invalid_token)',
    broker: {
      listeners: 'SASL_PLAINTEXT://localhost:0',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'sasl.oauthbearer.jwks.endpoint.url': identityProvider(),
      'sasl.oauthbearer.expected.issuer': ISSUER,
      'sasl.oauthbearer.expected.audience': AUDIENCE,
    },
  },
  {
    name: 'sasl-oauthbearer-unsecured',
    description:
      "SASL_PLAINTEXT with OAUTHBEARER and Kafka's unsecured validator (development only) requiring scope kafka: " +
      "librdkafka's own unsigned token (sasl.oauthbearer.config principal=alice scope=kafka) produces and consumes; " +
      'one without the scope is refused (insufficient_scope)',
    broker: {
      listeners: 'SASL_PLAINTEXT://localhost:0',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="kafka";',
    },
  },
];
