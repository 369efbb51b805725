/**
 * @platformatic/kafka: exactly-once consume-transform-produce. 200 inputs in-0..in-199 (1
 * partition, produced plainly); a child process (_eos.ts) consumes them in a group and, per 10,
 * sends `out-<input>` and commits their offsets (addConsumer: AddOffsetsToTxn; addOffset:
 * TxnOffsetCommit) in one transaction. After 10 chunks it opens an 11th transaction, sends its
 * output and is killed with SIGKILL. A second process with the same transactional id takes over:
 * its InitProducerId fences the first producer and aborts the open transaction, and its consumer
 * resumes from the offsets committed in transactions (after the dead member's 6 s session).
 *
 * Read with READ_COMMITTED, the output holds every input's transform exactly once and in order;
 * READ_UNCOMMITTED shows the aborted chunk's 10 outputs a second time; the group committed 200.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Admin, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { report } from '../../lib/read-back.js';
import { check, scenarioEnv } from '../../lib/scenario.js';
import { CLIENT_ID, createTopic, readAll } from './_common.js';

const N = 200;
const { bootstrap, topic } = scenarioEnv();
const output = `${topic}-out`;
const group = `${topic}-eos`;
const txnId = `${topic}-eos-txn`;

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

async function waitFor(what: string, p: Proc, key: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const err = p.events.find((e) => e.error);
    check(!err, `${what}: the transformer failed: ${err?.error}`);
    const hit = p.events.find((e) => key in e);
    if (hit) return hit;
    check(Date.now() < deadline, `${what}: not within ${timeoutMs / 1000} s`, p.events.slice(-5));
    await new Promise((r) => setTimeout(r, 50));
  }
}

const read = async (isolation: 'READ_COMMITTED' | 'READ_UNCOMMITTED', expected: number) => (await readAll(bootstrap, output, isolation, expected)).map((m) => m.value);

await createTopic(bootstrap, topic, 1);
await createTopic(bootstrap, output, 1);
const plain = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], acks: ProduceAcks.ALL, idempotent: false, serializers: stringSerializers });
try {
  await plain.send({ messages: Array.from({ length: N }, (_, n) => ({ topic, value: `in-${n}` })) });
} finally {
  await plain.close();
}

const first = transformer('first', 10);
let open: number[];
try {
  open = (await waitFor('the first transformer opens its 11th transaction', first, 'open', 30_000)).open as number[];
} finally {
  first.kill();
  await first.exited;
}
console.log(`@platformatic/kafka: killed the first transformer with a transaction open over inputs ${open[0]}..${open.at(-1)}`);

const second = transformer('second', -1);
try {
  await waitFor('the second transformer finishes', second, 'done', 40_000);
  check((await second.exited) === 0, 'the second transformer should exit 0');
} finally {
  second.kill();
}
const resumedAt = second.events.find((e) => 'first' in e)?.first;
check(resumedAt === open[0], `the second transformer should resume at input ${open[0]} (committed in the last transaction), resumed at ${resumedAt}`);

const expected = Array.from({ length: N }, (_, n) => `out-in-${n}`);
const rc = await read('READ_COMMITTED', N);
const ru = await read('READ_UNCOMMITTED', N + open.length);
const problems: string[] = [];
if (JSON.stringify(rc) !== JSON.stringify(expected))
  problems.push(`READ_COMMITTED: expected out-in-0..out-in-${N - 1} once each in order, got ${rc.length}: ${JSON.stringify(rc.slice(open[0] - 3, open[0] + 13))}...`);
const ruExpected = [...expected.slice(0, open[0]), ...open.map((n) => `out-in-${n}`), ...expected.slice(open[0])];
if (JSON.stringify(ru) !== JSON.stringify(ruExpected))
  problems.push(`READ_UNCOMMITTED: expected the aborted outputs of inputs ${open[0]}..${open.at(-1)} a second time (${ruExpected.length} in all), got ${ru.length}`);
const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap] });
try {
  const [g] = await admin.listConsumerGroupOffsets({ groups: [group] });
  const committed = g?.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === 0)?.committedOffset;
  if (Number(committed) !== N) problems.push(`group ${group}: committed offset ${committed}, expected ${N}`);
} finally {
  await admin.close();
}
report(output, problems);
console.log(
  `@platformatic/kafka: ${N} inputs transformed exactly once across a SIGKILL mid-transaction (READ_COMMITTED); ` +
    `READ_UNCOMMITTED shows the ${open.length} aborted outputs; the group committed ${N}`,
);
