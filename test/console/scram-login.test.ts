/**
 * The console's login driving a SCRAM server mechanism through the tools' SCRAM client (whose
 * RFC 7677 vectors are in test/client/sasl-mechanisms.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { ConsoleAuth, LoginError } from '../../src/console/auth.js';
import { BrokerConfig } from '../../src/config/config.js';
import { SaslAuthenticationError, type SaslMechanismFactory } from '../../src/security/sasl/mechanism.js';
import { silentLogger } from '../../src/util/logger.js';
import type { BrokerServices } from '../../src/handlers/types.js';

/**
 * A minimal RFC 5802 server (SCRAM-SHA-256, one user) standing in for the SCRAM mechanism the
 * registry will hold: the console's login must drive the whole exchange against it.
 */
function scramServer(user: string, password: string): SaslMechanismFactory {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (k: Buffer, t: string): Buffer => createHmac('sha256', k).update(t).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return {
    name: 'SCRAM-SHA-256',
    create: () => {
      let firstBare = '';
      let serverFirst = '';
      return {
        async evaluate(token: Buffer) {
          const msg = token.toString('utf8');
          if (!serverFirst) {
            firstBare = msg.slice(3);
            const name = /n=([^,]*)/.exec(firstBare)?.[1];
            if (name !== user) throw new SaslAuthenticationError('Authentication failed: Invalid user credentials');
            serverFirst = `r=${/r=([^,]*)/.exec(firstBare)?.[1]}srv,s=${salt.toString('base64')},i=${iterations}`;
            return { response: Buffer.from(serverFirst) };
          }
          const withoutProof = msg.slice(0, msg.lastIndexOf(',p='));
          const proof = Buffer.from(msg.slice(msg.lastIndexOf(',p=') + 3), 'base64');
          const auth = `${firstBare},${serverFirst},${withoutProof}`;
          const sig = hmac(storedKey, auth);
          const clientKey = Buffer.from(proof.map((b, i) => b ^ sig[i]));
          if (!createHash('sha256').update(clientKey).digest().equals(storedKey)) throw new SaslAuthenticationError('Authentication failed: Invalid user credentials');
          return { response: Buffer.from(`v=${hmac(serverKey, auth).toString('base64')}`), principal: user };
        },
      };
    },
  };
}

describe('console login with SCRAM', () => {
  it('logs in through a SCRAM listener’s server mechanism and refuses a wrong password', async () => {
    const config = new BrokerConfig({ listeners: 'SASL_PLAINTEXT://:0', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256', 'connection.failed.authentication.delay.ms': '0' });
    const registry = new Map([['SCRAM-SHA-256', () => scramServer('carol', 'carol-secret')]]);
    const auth = new ConsoleAuth({ config } as BrokerServices, silentLogger, registry);
    expect(auth.required).toBe(true);
    expect(auth.mechanisms()).toEqual(['SCRAM-SHA-256']);
    const ok = await auth.login('carol', 'carol-secret', 'SCRAM-SHA-256', '127.0.0.1');
    expect(ok.session.user).toBe('carol');
    await expect(auth.login('carol', 'wrong', 'SCRAM-SHA-256', '127.0.0.1')).rejects.toThrow(LoginError);
    await expect(auth.login('dave', 'carol-secret', 'SCRAM-SHA-256', '127.0.0.1')).rejects.toThrow(LoginError);
    await expect(auth.login('carol', 'carol-secret', 'PLAIN', '127.0.0.1')).rejects.toThrow(LoginError);
    auth.close();
  });
});
