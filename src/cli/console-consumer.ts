/** `runnel console-consumer`: kafka-console-consumer.sh on Runnel's own client. */
import { option, UsageError } from './args.js';
import { bool, intOption, keyValues, required, runFlagTool, unescape } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { Client, type TopicInfo } from '../client/client.js';
import { ClientError, KafkaError } from '../client/errors.js';
import { EARLIEST, LATEST, fetchOnce, listOffsets, type ConsumedRecord } from '../client/consumer.js';
import { GroupMember } from '../client/group.js';

const HELP = `Usage: runnel console-consumer --bootstrap-server HOST:PORT --topic T [options]

Prints the records of a topic, one per line, as kafka-console-consumer.sh does.

Options:
  --bootstrap-server H:P          The broker to connect to (comma-separated list allowed)
  --topic T                       The topic (it must exist)
  --from-beginning                Start at the earliest offset (with --group: where the group
                                  has no committed offset)
  --partition P                   Read only partition P
  --offset O|earliest|latest      Where to start in --partition (default: latest)
  --max-messages N                Exit after N records
  --timeout-ms MS                 Exit when no record arrived for MS milliseconds
  --isolation-level LEVEL         read_uncommitted (default) or read_committed
  --group G                       Consume as member of group G (classic protocol, range
                                  assignor) from its committed offsets; commits on exit
  --property KEY=VALUE            Output format (repeatable): print.key, print.value (default
                                  true), print.timestamp, print.partition, print.offset,
                                  print.headers (true/false); key.separator (default: a tab),
                                  line.separator, headers.separator, null.literal
  --consumer-property KEY=VALUE   Consumer settings (repeatable): group.id,
                                  auto.offset.reset=earliest|latest, isolation.level, client.id,
                                  and the security keys (they override the config file's)
  --consumer.config FILE          Consumer properties file: the settings above, security.protocol,
                                  ssl.*, sasl.*
  --command-config FILE           The same (Kafka's newer name)
  --help                          Show this help

Ends on SIGINT/SIGTERM too; prints "Processed a total of N messages" to standard error.
`;

interface Format {
  key: boolean;
  value: boolean;
  timestamp: boolean;
  partition: boolean;
  offset: boolean;
  headers: boolean;
  sep: string;
  line: string;
  headersSep: string;
  nullLiteral: string;
}

/** One record as Kafka's DefaultMessageFormatter writes it. */
export function formatRecord(r: ConsumedRecord, f: Format): string {
  const cols: string[] = [];
  const text = (b: Buffer | null): string => (b === null ? f.nullLiteral : b.toString('utf8'));
  if (f.timestamp) cols.push(`${r.timestampType}:${r.timestamp}`);
  if (f.partition) cols.push(`Partition:${r.partition}`);
  if (f.offset) cols.push(`Offset:${r.offset}`);
  if (f.headers) cols.push(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}:${text(h.value)}`).join(f.headersSep));
  if (f.key) cols.push(text(r.key));
  if (f.value) cols.push(text(r.value));
  return cols.join(f.sep) + f.line;
}

function parseIsolation(v: string): number {
  if (v === 'read_uncommitted') return 0;
  if (v === 'read_committed') return 1;
  throw new UsageError(`--isolation-level is read_uncommitted or read_committed, not '${v}'`);
}

export function consoleConsumerCommand(argv: string[]): Promise<number> {
  return runFlagTool('console-consumer', argv, HELP, async (flags) => {
    const bootstrap = required(flags, '--bootstrap-server');
    const topicName = required(flags, '--topic');
    const props = keyValues(flags.get('--property'), '--property');
    const cfg = toolClientConfig(flags, 'console-consumer', { fileFlags: ['--consumer.config', '--command-config'], overrides: keyValues(flags.get('--consumer-property'), '--consumer-property') });
    const cprops = cfg.props;
    const partition = intOption(flags, '--partition');
    const offsetArg = option(flags, '--offset');
    const maxMessages = intOption(flags, '--max-messages', 1);
    const timeoutMs = intOption(flags, '--timeout-ms', 1);
    const isolation = parseIsolation(option(flags, '--isolation-level') ?? cprops.get('isolation.level') ?? 'read_uncommitted');
    const groupId = option(flags, '--group') ?? cprops.get('group.id');
    const fromBeginning = flags.has('--from-beginning');
    const reset = cprops.get('auto.offset.reset') ?? (fromBeginning ? 'earliest' : 'latest');
    if (reset !== 'earliest' && reset !== 'latest') throw new UsageError(`auto.offset.reset is earliest or latest, not '${reset}'`);
    if (offsetArg !== undefined && partition === undefined) throw new UsageError('--offset needs --partition');
    if (offsetArg !== undefined && fromBeginning) throw new UsageError('--offset and --from-beginning cannot be used together');
    if (groupId !== undefined && partition !== undefined) throw new UsageError('--group and --partition cannot be used together');
    let start: bigint = reset === 'earliest' ? EARLIEST : LATEST;
    if (offsetArg !== undefined) {
      if (offsetArg === 'earliest') start = EARLIEST;
      else if (offsetArg === 'latest') start = LATEST;
      else if (/^\d+$/.test(offsetArg)) start = BigInt(offsetArg);
      else throw new UsageError(`--offset takes a non-negative number, earliest or latest, not '${offsetArg}'`);
    }
    const format: Format = {
      key: bool(props.get('print.key'), false),
      value: bool(props.get('print.value'), true),
      timestamp: bool(props.get('print.timestamp'), false),
      partition: bool(props.get('print.partition'), false),
      offset: bool(props.get('print.offset'), false),
      headers: bool(props.get('print.headers'), false),
      sep: unescape(props.get('key.separator') ?? '\t'),
      line: unescape(props.get('line.separator') ?? '\n'),
      headersSep: unescape(props.get('headers.separator') ?? ','),
      nullLiteral: props.get('null.literal') ?? 'null',
    };

    const client = await Client.connect(bootstrap, cfg.options);
    let consumed = 0;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let member: GroupMember | undefined;
    const positions = new Map<number, bigint>();
    try {
      let topic = await client.topic(topicName);
      if (partition !== undefined && !topic.partitions.some((p) => p.partition === partition))
        throw new ClientError(`partition ${partition} of topic '${topicName}' does not exist`);

      /** Resolves `want` (an offset, EARLIEST or LATEST) for each partition into positions. */
      const seek = async (parts: number[], want: (p: number) => bigint): Promise<void> => {
        const symbolic = new Map<bigint, number[]>();
        for (const p of parts) {
          const w = want(p);
          if (w >= 0n) positions.set(p, w);
          else symbolic.set(w, [...(symbolic.get(w) ?? []), p]);
        }
        for (const [ts, ps] of symbolic)
          for (const [leader, lps] of byLeader(topic, ps)) {
            const offsets = await listOffsets(await client.broker(leader), topicName, lps, ts, isolation);
            for (const [p, o] of offsets) positions.set(p, o);
          }
      };

      const assign = async (): Promise<void> => {
        positions.clear();
        if (member) {
          const a = await member.join();
          const parts = a.get(topicName) ?? [];
          const committed = parts.length > 0 ? await member.committed(topicName, parts) : new Map<number, bigint>();
          const fallback = reset === 'earliest' ? EARLIEST : LATEST;
          await seek(parts, (p) => {
            const c = committed.get(p) ?? -1n;
            return c >= 0n ? c : fallback;
          });
        } else {
          const parts = partition !== undefined ? [partition] : topic.partitions.map((p) => p.partition);
          await seek(parts, () => start);
        }
      };

      if (groupId !== undefined) member = new GroupMember(client, { groupId, topics: [topicName] });
      await assign();

      let lastRecordAt = Date.now();
      let lastHeartbeat = Date.now();
      let lastCommit = Date.now();
      while (!stopped && (maxMessages === undefined || consumed < maxMessages)) {
        if (timeoutMs !== undefined && Date.now() - lastRecordAt >= timeoutMs) break;
        if (member && Date.now() - lastHeartbeat >= 3000) {
          lastHeartbeat = Date.now();
          if (!(await member.heartbeat())) {
            // the group rebalances: hand over what was consumed (as auto-commit does on revocation)
            await member.commit(topicName, positions).catch(() => undefined);
            await assign();
            continue;
          }
          if (Date.now() - lastCommit >= 5000) {
            lastCommit = Date.now();
            await member.commit(topicName, positions).catch(() => undefined);
          }
        }
        const waitMs = Math.max(1, Math.min(500, timeoutMs === undefined ? 500 : timeoutMs - (Date.now() - lastRecordAt)));
        if (positions.size === 0) {
          await new Promise((r) => setTimeout(r, waitMs));
          continue;
        }
        let out = '';
        let refresh = false;
        for (const [leader, parts] of byLeader(topic, [...positions.keys()])) {
          const conn = await client.broker(leader);
          const results = await fetchOnce(conn, topicName, new Map(parts.map((p) => [p, positions.get(p)!])), { maxWaitMs: waitMs, isolationLevel: isolation });
          for (const res of results) {
            if (res.errorCode === 1) {
              // OFFSET_OUT_OF_RANGE: start over where auto.offset.reset says
              await seek([res.partition], () => (reset === 'earliest' ? EARLIEST : LATEST));
              continue;
            }
            if (res.errorCode === 6 || res.errorCode === 5 || res.errorCode === 74 || res.errorCode === 75) {
              refresh = true;
              continue;
            }
            if (res.errorCode !== 0) throw new KafkaError(res.errorCode, `fetch ${topicName}-${res.partition}`);
            let next = res.nextOffset;
            for (const r of res.records) {
              if (maxMessages !== undefined && consumed >= maxMessages) {
                next = r.offset;
                break;
              }
              out += formatRecord(r, format);
              consumed++;
            }
            positions.set(res.partition, next);
            if (res.records.length > 0) lastRecordAt = Date.now();
          }
        }
        if (out) await write(out);
        if (refresh) topic = await client.topic(topicName);
      }
      if (member) {
        await member.commit(topicName, positions).catch((err: unknown) => {
          process.stderr.write(`runnel console-consumer: could not commit offsets: ${(err as Error).message}\n`);
        });
        await member.leave().catch(() => undefined);
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await client.close();
    }
    process.stderr.write(`Processed a total of ${consumed} messages\n`);
    return 0;
  });
}

function byLeader(topic: TopicInfo, parts: number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const p of parts) {
    const leader = topic.partitions.find((x) => x.partition === p)?.leader ?? -1;
    out.set(leader, [...(out.get(leader) ?? []), p]);
  }
  return out;
}

function write(s: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(s)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}
