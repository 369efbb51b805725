/** `runnel console-producer`: kafka-console-producer.sh on Runnel's own client. */
import { createInterface } from 'node:readline';
import { option, flagsFromHelp, flagsOrHelp, UsageError } from './args.js';
import { bool, keyValues, required, runTool, unescape } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { Client } from '../client/client.js';
import { ClientError } from '../client/errors.js';
import { Producer, type OutRecord } from '../client/producer.js';
import { codecId } from '../protocol/compression.js';

const HELP = `Usage: runnel console-producer --bootstrap-server HOST:PORT --topic T [options]

Reads lines from standard input and produces each as one record, as kafka-console-producer.sh does.
A keyed record goes to the partition the Java client picks (murmur2 of the key); unkeyed records
are spread over the partitions round-robin, one partition per batch.

Options:
  --bootstrap-server H:P          The broker to connect to (comma-separated list allowed)
  --topic T                       The topic (it must exist)
  --property KEY=VALUE            Line reader properties (repeatable):
                                    parse.key=true      split each line into key and value
                                    key.separator=SEP   between key and value (default: a tab)
                                    ignore.error=true   send lines without separator unkeyed
  --producer-property KEY=VALUE   Producer settings (repeatable): acks=all|-1|0|1,
                                  compression.type=none|gzip|snappy|lz4|zstd, client.id, and the
                                  security keys (they override the config file's)
  --producer.config FILE          Producer properties file: the settings above, security.protocol,
                                  ssl.*, sasl.*
  --command-config FILE           The same (Kafka's newer name)
  --request-required-acks N       acks: -1 (all, the default), 0 or 1
  --compression-codec CODEC       gzip, snappy, lz4 or zstd (default: none)
  --help                          Show this help
`;

// --broker-list: kafka-console-producer.sh's old name of --bootstrap-server, still taken, no longer shown.
const SPEC = { ...flagsFromHelp(HELP), '--broker-list': { value: true } };

function parseAcks(v: string): number {
  const s = v.trim().toLowerCase();
  if (s === 'all' || s === '-1') return -1;
  if (s === '0' || s === '1') return Number(s);
  throw new UsageError(`acks must be all, -1, 0 or 1, not '${v}'`);
}

function parseCodec(v: string): number {
  try {
    return codecId(v.trim().toLowerCase());
  } catch {
    throw new UsageError(`unknown compression codec '${v}' (none, gzip, snappy, lz4, zstd)`);
  }
}

export function consoleProducerCommand(argv: string[]): Promise<number> {
  return runTool('console-producer', async () => {
    const flags = flagsOrHelp(argv, SPEC, HELP);
    if (!flags) return 0;
    const bootstrap = option(flags, '--bootstrap-server') ?? option(flags, '--broker-list') ?? required(flags, '--bootstrap-server');
    const topicName = required(flags, '--topic');
    const props = keyValues(flags.get('--property'), '--property');
    const cfg = toolClientConfig(flags, 'console-producer', { fileFlags: ['--producer.config', '--command-config'], overrides: keyValues(flags.get('--producer-property'), '--producer-property') });
    const producerProps = cfg.props;
    const parseKey = bool(props.get('parse.key'), false);
    const ignoreError = bool(props.get('ignore.error'), false);
    const separator = unescape(props.get('key.separator') ?? '\t');
    if (separator === '') throw new UsageError('key.separator must not be empty');
    let acks = parseAcks(option(flags, '--request-required-acks') ?? '-1');
    if (producerProps.has('acks')) acks = parseAcks(producerProps.get('acks')!);
    let compression = parseCodec(option(flags, '--compression-codec') ?? 'none');
    if (producerProps.has('compression.type')) compression = parseCodec(producerProps.get('compression.type')!);

    const client = await Client.connect(bootstrap, cfg.options);
    try {
      const topic = await client.topic(topicName);
      if (topic.partitions.length === 0) throw new ClientError(`topic '${topicName}' has no partitions`);
      const producer = new Producer(client, topic, { acks, compression });
      return await pump(producer, { parseKey, ignoreError, separator });
    } finally {
      await client.close();
    }
  });
}

/**
 * Reads stdin line by line; lines that arrive together are sent as one batch (a line typed alone
 * goes out within a few milliseconds). Resolves at end of input once everything is acknowledged.
 */
async function pump(producer: Producer, o: { parseKey: boolean; ignoreError: boolean; separator: string }): Promise<number> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let buffered: OutRecord[] = [];
  let lineNo = 0;
  let failure: unknown;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const batch = buffered;
    buffered = [];
    if (batch.length === 0) return;
    chain = chain.then(() => (failure ? undefined : producer.send(batch))).catch((err: unknown) => {
      failure ??= err;
      rl.close();
    });
  };
  for await (const line of rl) {
    if (failure) break;
    lineNo++;
    let rec: OutRecord;
    if (o.parseKey) {
      const i = line.indexOf(o.separator);
      if (i < 0) {
        if (!o.ignoreError) {
          failure = new ClientError(`no key separator found on line number ${lineNo}: '${line}'`);
          break;
        }
        rec = { key: null, value: Buffer.from(line) };
      } else rec = { key: Buffer.from(line.slice(0, i)), value: Buffer.from(line.slice(i + o.separator.length)) };
    } else rec = { key: null, value: Buffer.from(line) };
    buffered.push(rec);
    if (buffered.length >= 1000) flush();
    else timer ??= setTimeout(flush, 5);
  }
  if (timer) clearTimeout(timer);
  flush();
  await chain;
  if (failure) throw failure;
  return 0;
}
