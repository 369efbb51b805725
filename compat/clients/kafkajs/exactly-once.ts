/**
 * kafkajs: exactly-once consume-transform-produce. 200 inputs in-0..in-199 (1 partition, produced
 * plainly); a child process (_eos.ts) reads them in a group and, per chunk of 10, sends
 * `out-<input>` and the chunk's input offsets (sendOffsets: AddOffsetsToTxn, TxnOffsetCommit) in
 * one transaction. After 10 chunks it opens an 11th transaction, sends its output and is killed
 * with SIGKILL. A second process with the same transactional id takes over: its InitProducerId
 * fences the first producer and aborts the open transaction, and its consumer resumes from the
 * offsets committed in transactions (after the dead member's 6 s session).
 *
 * Read with read_committed, the output holds every input's transform exactly once and in order;
 * read_uncommitted shows the aborted chunk's 10 outputs a second time (the kill really left them
 * on the broker); the group's committed offset is 200.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Partitioners, type Kafka } from 'kafkajs';
import { report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { client, createTopic } from './_common.js';

const N = 200;
const { bootstrap, topic } = scenarioEnv();
const output = `${topic}-out`;
const group = `${topic}-eos`;
const txnId = `${topic}-eos-txn`;
const kafka = client(bootstrap);
const admin = kafka.admin();
await admin.connect();

interface Proc {
  events: Array<Record<string, unknown>>;
  exited: Promise<number | string>;
  kill(): void;
}

function transformer(name: string, dieAfter: number): Proc {
  const script = fileURLToPath(new URL('./_eos.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, topic, output, group, txnId, String(N), String(dieAfter)], {
    env: { ...process.env, RUNNEL_BOOTSTRAP: bootstrap },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reap = () => child.kill('SIGKILL');
  process.on('exit', reap);
  const p: Proc = {
    events: [],
    exited: new Promise((resolve) => child.on('exit', (code, signal) => (process.off('exit', reap), resolve(code ?? signal ?? '?')))),
    kill: () => child.kill('SIGKILL'),
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      p.events.push(JSON.parse(line));
    } catch {
      console.log(`[${name}] ${line}`);
    }
  });
  return p;
}

async function waitFor(what: string, p: Proc, cond: (e: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const err = p.events.find((e) => e.error);
    check(!err, `${what}: the transformer failed: ${err?.error}`);
    const hit = p.events.find(cond);
    if (hit) return hit;
    check(Date.now() < deadline, `${what}: not within ${timeoutMs / 1000} s`, p.events.slice(-5));
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function read(k: Kafka, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = k.consumer({ groupId: `${topic}-${readUncommitted ? 'ru' : 'rc'}`, readUncommitted, maxWaitTimeInMs: 100 });
  const out: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [output], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push(message.value?.toString() ?? '(null)') });
    const deadline = Date.now() + 15_000;
    let [last, since] = [-1, Date.now()];
    for (;;) {
      if (out.length !== last) [last, since] = [out.length, Date.now()];
      if (out.length >= expected && Date.now() - since >= 500) return out;
      check(Date.now() < deadline, `${readUncommitted ? 'read_uncommitted' : 'read_committed'}: ${out.length} of ${expected} outputs in 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
}

try {
  await createTopic(kafka, admin, topic, 1);
  await createTopic(kafka, admin, output, 1);
  const plain = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await plain.connect();
  await plain.send({ topic, acks: -1, messages: Array.from({ length: N }, (_, n) => ({ value: `in-${n}` })) });
  await plain.disconnect();

  const first = transformer('first', 10);
  const open = await waitFor('the first transformer opens its 11th transaction', first, (e) => 'open' in e, 30_000);
  first.kill();
  await first.exited;
  console.log(`kafkajs: killed the first transformer with a transaction open over inputs ${JSON.stringify(open.open)}`);

  const second = transformer('second', -1);
  await waitFor('the second transformer finishes', second, (e) => 'done' in e, 40_000);
  check((await second.exited) === 0, 'the second transformer should exit 0');
  const resumedAt = (second.events.find((e) => 'committed' in e)?.committed as number) - 10;
  check(resumedAt === 100, `the second transformer should resume at input 100 (the offset committed in the last transaction), resumed at ${resumedAt}`);

  const expected = Array.from({ length: N }, (_, n) => `out-in-${n}`);
  const rc = await read(kafka, false, N);
  const ru = await read(kafka, true, N + 10);
  const problems: string[] = [];
  if (JSON.stringify(rc) !== JSON.stringify(expected))
    problems.push(`read_committed: expected out-in-0..out-in-${N - 1} once each in order, got ${rc.length}: ${JSON.stringify(rc.slice(95, 115))}...`);
  const twice = (open.open as number[]).map((n) => `out-in-${n}`);
  const ruExpected = [...expected.slice(0, 110), ...expected.slice(100)];
  if (JSON.stringify(ru) !== JSON.stringify(ruExpected))
    problems.push(`read_uncommitted: expected the aborted outputs ${twice[0]}..${twice.at(-1)} a second time (${N + 10} in all), got ${ru.length}`);
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const committed = offsets[0]?.partitions[0]?.offset;
  if (committed !== String(N)) problems.push(`group ${group}: committed offset ${committed}, expected ${N}`);
  report(output, problems);
  console.log(
    `kafkajs: ${N} inputs transformed exactly once across a SIGKILL mid-transaction (read_committed); ` +
      `read_uncommitted shows the 10 aborted outputs; the group committed ${N}`,
  );
} finally {
  await admin.disconnect();
}
