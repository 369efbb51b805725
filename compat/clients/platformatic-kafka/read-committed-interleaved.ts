/**
 * @platformatic/kafka: read_committed over transactions of three producers interleaved on a
 * 1-partition topic (written by compat/lib/interleaved-txns.ts with Runnel's wire helper: two
 * rounds in which A and B abort, in both abort orders, while C commits c1..c4 around them). A
 * consumer stream with isolationLevel READ_COMMITTED (the client's default) sees exactly c1..c4,
 * once each, in order; one with READ_UNCOMMITTED sees all 14 values in log order.
 */
import { ALL_VALUES, COMMITTED_VALUES, writeInterleavedTxns } from '../../lib/interleaved-txns.js';
import { report } from '../../lib/read-back.js';
import { scenarioEnv } from '../../lib/scenario.js';
import { createTopic, readAll } from './_common.js';

const { bootstrap, topic } = scenarioEnv();
await createTopic(bootstrap, topic, 1);
const written = await writeInterleavedTxns(bootstrap, topic);

const read = async (isolation: 'READ_COMMITTED' | 'READ_UNCOMMITTED', expected: number) => (await readAll(bootstrap, topic, isolation, expected)).map((m) => m.value);

const rc = await read('READ_COMMITTED', COMMITTED_VALUES.length);
const ru = await read('READ_UNCOMMITTED', ALL_VALUES.length);
const problems: string[] = [];
if (JSON.stringify(rc) !== JSON.stringify(COMMITTED_VALUES))
  problems.push(`read_committed: expected ${JSON.stringify(COMMITTED_VALUES)}, got ${JSON.stringify(rc)}`);
if (JSON.stringify(ru) !== JSON.stringify(ALL_VALUES)) problems.push(`read_uncommitted: expected ${JSON.stringify(ALL_VALUES)}, got ${JSON.stringify(ru)}`);
if (problems.length > 0) problems.push(`written: ${written.join(', ')}`);
report(topic, problems);
console.log(
  `@platformatic/kafka: read_committed saw ${COMMITTED_VALUES.join(',')} only, read_uncommitted all ${ALL_VALUES.length} values of the interleaved transactions`,
);
