/**
 * KIP-368 with a client that does not re-authenticate: kafka-python 2.0 (SaslHandshake v0, no
 * session lifetime) is disconnected on its first request after its session ends, reconnects and
 * logs in again, so its producer still delivers every message.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startSaslBroker, type SaslBroker } from '../../helpers/sasl.js';

const PYTHON = '/usr/bin/python3';
const LIFETIME_MS = 1500;
let sb: SaslBroker;

const SCRIPT = `
import os, time
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=os.environ["BOOTSTRAP"], security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                  sasl_plain_username="alice", sasl_plain_password="alice-secret", acks="all", retries=5, retry_backoff_ms=100)
ok = 0
t0 = time.time()
while time.time() - t0 < 5:
    p.send("expiry-python", b"m").get(timeout=10)
    ok += 1
    time.sleep(0.3)
p.close()
print(ok)
`;

function python(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(PYTHON, ['-c', script], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

beforeAll(async () => {
  sb = await startSaslBroker({ 'connections.max.reauth.ms': LIFETIME_MS });
});
afterAll(async () => {
  await sb?.broker.close();
});

describe.skipIf(!existsSync(PYTHON))('KIP-368 with a client that does not re-authenticate', () => {
  it('kafka-python is disconnected when its session ends, logs in again and delivers everything', async () => {
    const out = await python(SCRIPT, { BOOTSTRAP: `127.0.0.1:${sb.broker.port}` });
    expect(Number(out.trim())).toBeGreaterThan(8);
    const expired = sb.logs.filter((l) => typeof l.reason === 'string' && l.reason.includes('SASL session expired'));
    expect(expired.length).toBeGreaterThanOrEqual(1);
    expect(sb.logs.filter((l) => l.msg === 'SASL re-authentication complete')).toHaveLength(0);
  }, 90_000);
});
