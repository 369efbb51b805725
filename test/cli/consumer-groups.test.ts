import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/client/murmur2.js';
import { runnel, toolBroker } from './run-tool.js';

const t = toolBroker();

/** The --describe table as rows of cells (blank lines and the no-members notice dropped). */
function table(stdout: string): string[][] {
  return stdout
    .split('\n')
    // Without the notes Kafka's tool prints around the table ("has no active members", "Warning: ... is rebalancing").
    .filter((l) => l.trim() && !l.startsWith('Consumer group') && !l.startsWith('Warning:'))
    .map((l) => l.trim().split(/\s+/));
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

describe('runnel consumer-groups', { timeout: 120_000 }, () => {
  it('lists, describes with lag, resets offsets and deletes a group', async () => {
    expect((await runnel(['topics', ...t.bs, '--create', '--topic', 'cg-t', '--partitions', '2'])).code).toBe(0);
    const input = KEYS.map((k, i) => `${k}:v${i}`).join('\n') + '\n';
    expect(await runnel(['console-producer', ...t.bs, '--topic', 'cg-t', '--property', 'parse.key=true', '--property', 'key.separator=:'], input)).toMatchObject({ code: 0 });
    const consumed = await runnel(['console-consumer', ...t.bs, '--topic', 'cg-t', '--group', 'cg-g', '--from-beginning', '--max-messages', String(KEYS.length)]);
    expect(consumed.code).toBe(0);
    expect(consumed.stderr).toBe(`Processed a total of ${KEYS.length} messages\n`);

    const list = await runnel(['consumer-groups', ...t.bs, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('cg-g');

    // produce more: 3 records to each partition's keys
    const perPartition = [0, 1].map((p) => KEYS.filter((k) => partitionForKey(Buffer.from(k), 2) === p).length);
    const more = ['a', 'b', 'c'];
    expect((await runnel(['console-producer', ...t.bs, '--topic', 'cg-t', '--property', 'parse.key=true', '--property', 'key.separator=:'], more.map((k) => `${k}:x`).join('\n') + '\n')).code).toBe(0);
    const morePer = [0, 1].map((p) => more.filter((k) => partitionForKey(Buffer.from(k), 2) === p).length);

    const desc = await runnel(['consumer-groups', ...t.bs, '--describe', '--group', 'cg-g']);
    expect(desc.code).toBe(0);
    expect(desc.stdout).toContain("Consumer group 'cg-g' has no active members.");
    const rows = table(desc.stdout);
    expect(rows[0]).toEqual(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
    expect(rows.slice(1)).toEqual(
      [0, 1].map((p) => ['cg-g', 'cg-t', String(p), String(perPartition[p]), String(perPartition[p] + morePer[p]), String(morePer[p]), '-', '-', '-']),
    );

    // dry run (the default) prints the plan and changes nothing
    const dry = await runnel(['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'cg-g', '--topic', 'cg-t', '--to-earliest']);
    expect(dry.code).toBe(0);
    expect(table(dry.stdout)).toEqual([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ['cg-g', 'cg-t', '0', '0'], ['cg-g', 'cg-t', '1', '0']]);
    expect(table((await runnel(['consumer-groups', ...t.bs, '--describe', '--group', 'cg-g'])).stdout)[1][3]).toBe(String(perPartition[0]));

    const exec = await runnel(['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'cg-g', '--topic', 'cg-t', '--to-earliest', '--execute']);
    expect(exec.code).toBe(0);
    const after = table((await runnel(['consumer-groups', ...t.bs, '--describe', '--group', 'cg-g'])).stdout).slice(1);
    expect(after.map((r) => [r[2], r[3], r[5]])).toEqual([0, 1].map((p) => [String(p), '0', String(perPartition[p] + morePer[p])]));

    // --shift-by and --to-offset clamp to the partition's range
    const shift = await runnel(['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'cg-g', '--all-topics', '--shift-by', '2', '--execute']);
    expect(table(shift.stdout).slice(1).map((r) => r[3])).toEqual([0, 1].map((p) => String(Math.min(2, perPartition[p] + morePer[p]))));
    const far = await runnel(['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'cg-g', '--topic', 'cg-t:1', '--to-offset', '1000']);
    expect(table(far.stdout).slice(1)).toEqual([['cg-g', 'cg-t', '1', String(perPartition[1] + morePer[1])]]);

    const del = await runnel(['consumer-groups', ...t.bs, '--delete', '--group', 'cg-g']);
    expect(del).toMatchObject({ code: 0, stdout: "Deletion of requested consumer groups ('cg-g') was successful.\n" });
    expect((await runnel(['consumer-groups', ...t.bs, '--list'])).stdout.split('\n')).not.toContain('cg-g');
    const gone = await runnel(['consumer-groups', ...t.bs, '--describe', '--group', 'cg-g']);
    expect(gone).toMatchObject({ code: 1, stderr: "runnel consumer-groups: Consumer group 'cg-g' does not exist.\n" });
  });

  it('shows the members of an active group and refuses to reset or delete it', async () => {
    expect((await runnel(['topics', ...t.bs, '--create', '--topic', 'cg-live', '--partitions', '2'])).code).toBe(0);
    // The member must outlive the describe, reset and delete runs below, each a process start that
    // takes seconds on a loaded machine: it stays up to 90 s and leaves once a record arrives, which
    // ends the test, so the long limit costs nothing when things are quick.
    const consumer = runnel(['console-consumer', ...t.bs, '--topic', 'cg-live', '--group', 'cg-live-g', '--timeout-ms', '90000', '--max-messages', '1', '--consumer-property', 'client.id=live-client'], '', 110_000);
    // Wait (by the clock, not a count of runs) until the member has joined and synced.
    let rows: string[][] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const d = await runnel(['consumer-groups', ...t.bs, '--describe', '--group', 'cg-live-g']);
      rows = d.code === 0 ? table(d.stdout).slice(1) : [];
      // Joined and synced: both partitions assigned (while it rebalances, the member is a row of its own with topic '-').
      if (rows.length === 2 && rows.every((r) => r[1] === 'cg-live' && r[6] !== '-')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows.map((r) => [r[1], r[2], r[8]])).toEqual([
      ['cg-live', '0', 'live-client'],
      ['cg-live', '1', 'live-client'],
    ]);
    expect(rows[0][6]).toMatch(/^live-client-/);
    expect(rows[0][7]).toMatch(/127\.0\.0\.1/);

    const reset = await runnel(['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'cg-live-g', '--all-topics', '--to-latest', '--execute']);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toMatch(/^runnel consumer-groups: Assignments can only be reset if the group 'cg-live-g' is inactive, but the current state is \w+\.\n$/);
    const del = await runnel(['consumer-groups', ...t.bs, '--delete', '--group', 'cg-live-g']);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/NON_EMPTY_GROUP\n$/);
    expect(del.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect((await runnel(['console-producer', ...t.bs, '--topic', 'cg-live'], 'bye\n')).code).toBe(0);
    expect((await consumer).code).toBe(0);
  }, 150_000);

  it('rejects bad flags with one line and exit code 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['consumer-groups', ...t.bs], /^runnel consumer-groups: give exactly one of/],
      [['consumer-groups', ...t.bs, '--describe'], /^runnel consumer-groups: --describe needs --group/],
      [['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'g', '--topic', 't'], /needs exactly one of --to-earliest/],
      [['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'g', '--to-latest'], /needs one of --topic, --all-topics/],
      [['consumer-groups', ...t.bs, '--reset-offsets', '--group', 'g', '--all-topics', '--to-datetime', 'yesterday'], /--to-datetime takes YYYY-MM-DDTHH:mm:SS\.sss/],
      [['consumer-groups', '--bootstrap-server', '127.0.0.1:1', '--list'], /^runnel consumer-groups: cannot connect to 127\.0\.0\.1:1: ECONNREFUSED\n$/],
      [['perf', 'produce', ...t.bs, '--topic', 'no-such-topic', '--num-records', '1', '--record-size', '1'], /^runnel perf: topic 'no-such-topic': UNKNOWN_TOPIC_OR_PARTITION\n$/],
      [['perf', 'produce', ...t.bs, '--topic', 't', '--record-size', '1'], /^runnel perf: missing required option --num-records/],
      [['perf', 'bogus'], /^runnel perf: unknown subcommand 'bogus'/],
    ];
    // Independent runs, three at a time: each starts a TypeScript process, and nine at once on a
    // loaded two-core machine took longer than a run's timeout.
    const results: Awaited<ReturnType<typeof runnel>>[] = [];
    for (let i = 0; i < cases.length; i += 3) results.push(...(await Promise.all(cases.slice(i, i + 3).map(([args]) => runnel(args, '', 40_000)))));
    for (const [i, [args, re]] of cases.entries()) {
      const r = results[i];
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 120_000);

  it('prints --help', async () => {
    const tools = ['consumer-groups', 'perf'];
    const results = await Promise.all(tools.map((tool) => runnel([tool, '--help'])));
    for (const [i, tool] of tools.entries()) {
      const r = results[i];
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: runnel ${tool}`);
    }
    const top = await runnel(['--help']);
    expect(top.stdout).toContain('consumer-groups');
    expect(top.stdout).toContain('perf');
  });
});
