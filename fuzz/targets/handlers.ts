/**
 * The handlers' input checks, on an in-process broker (storage in memory, no client connection):
 * two bytes pick a served API and a version in its handler's range, the rest is decoded as that
 * request's body (what does not decode is the decoders target's business), and the handler runs
 * with its answer encoded as dispatch encodes it. A finding is what a connection would treat as a
 * bug: a handler that throws or rejects with anything but DecodeError or RangeError, an answer
 * that does not encode, an error the broker logs (UNKNOWN_SERVER_ERROR and the like), or no
 * answer within 5 s. Fields that make a handler wait by design (timeouts, rebalance and session
 * timeouts) and sizes that make it allocate by design (partition counts) are clamped first.
 *
 * Asynchronous, so Jazzer.js runs it without --sync (fuzz/run.ts does), 6,000-9,000 inputs a
 * second: CI sends 100,000 (test/fuzz/jazzer.test.ts), longer runs are on demand
 * (npm run fuzz -- handlers -max_total_time=600).
 */
import pino from 'pino';
import { startBroker, type Broker } from '../../src/broker.js';
import { handlerRegistry } from '../../src/handlers/index.js';
import { NO_RESPONSE, type ClientInfo, type HandlerContext } from '../../src/handlers/types.js';
import { encodeResponseChunks } from '../../src/protocol/header.js';
import { apiCodecs } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { expected } from './expected.js';

const ANSWER_MS = 5000;
/** A fresh broker every so many inputs: what the requests create (topics, groups, records) stays bounded. */
const INPUTS_PER_BROKER = 20_000;
/** The largest value kept for fields that make a handler wait or allocate by design. */
const CLAMPS: Record<string, number> = {
  timeoutMs: 50,
  maxWaitMs: 50,
  sessionTimeoutMs: 200,
  rebalanceTimeoutMs: 200,
  transactionTimeoutMs: 5000,
  numPartitions: 4,
  count: 4,
  replicationFactor: 1,
};

const client: ClientInfo = { connectionId: 1, remoteAddress: '127.0.0.1:1', host: '127.0.0.1', listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', authenticated: true };
const logged: string[] = [];
const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
let started: Promise<Broker> | undefined;
let inputs = 0;

function broker(): Promise<Broker> {
  started ??= startBroker({
    port: 0,
    host: '127.0.0.1',
    storage: 'memory',
    logger,
    config: { 'group.min.session.timeout.ms': 10 },
  });
  return started;
}

/** Stops the broker, if one was started (a test replaying inputs in-process). */
export async function closeBroker(): Promise<void> {
  const b = started;
  started = undefined;
  if (b) await (await b).close();
}

function clamp(o: unknown): void {
  if (Array.isArray(o)) return o.forEach(clamp);
  if (o === null || typeof o !== 'object' || Buffer.isBuffer(o)) return;
  const rec = o as Record<string, unknown>;
  for (const [k, v] of Object.entries(rec)) {
    const max = CLAMPS[k];
    if (max !== undefined && typeof v === 'number' && v > max) rec[k] = v % (max + 1);
    else clamp(v);
  }
}

const handlers = [...handlerRegistry.values()];

export async function fuzz(data: Buffer): Promise<void> {
  if (data.length < 2) return;
  const handler = handlers[data[0] % handlers.length];
  const version = handler.minVersion + (data[1] % (handler.maxVersion - handler.minVersion + 1));
  const codec = apiCodecs.get(handler.apiKey)!;
  let body: unknown;
  try {
    body = codec.readRequest(new Reader(data.subarray(2)), version);
  } catch (err) {
    if (expected(err)) return;
    throw err;
  }
  clamp(body);
  if (++inputs % INPUTS_PER_BROKER === 0 && started) {
    const old = await started;
    started = undefined;
    await old.close();
  }
  const { services } = await broker();
  logged.length = 0;
  const header = { requestApiKey: handler.apiKey, requestApiVersion: version, correlationId: 1, clientId: 'fuzz' };
  const ctx: HandlerContext = { apiVersion: version, header, client, broker: services, log: logger, requestBytes: data.length };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ANSWER_MS)));
  let res: unknown;
  try {
    res = await Promise.race([Promise.resolve(handler.handle(body, ctx)), late]);
  } catch (err) {
    if (expected(err)) return;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (res === 'late') throw new Error(`${codec.name} v${version}: no answer within ${ANSWER_MS} ms`);
  if (res !== NO_RESPONSE) encodeResponseChunks(handler.apiKey, version, 1, res, codec);
  if (logged.length) throw new Error(`${codec.name} v${version}: the broker logged ${logged.join(' | ')}`);
}
