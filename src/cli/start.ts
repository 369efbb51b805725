import { BrokerConfig, ConfigError } from '../config/config.js';
import { startBroker } from '../broker.js';
import { createLogger } from '../util/logger.js';
import { option, parseFlags, UsageError } from './args.js';

const HELP = `Usage: runnel start [--config server.properties] [--override key=value ...]

Runs the broker. Without --config it listens on PLAINTEXT://:9092, advertises localhost:9092 and
keeps its data in ./data. Kafka's server.properties keys are read (see README.md). The web
console and /metrics are served on http://localhost:9404/ (runnel.metrics.port;
runnel.console.enable=false turns the console off).

Options:
  --config FILE          A server.properties file
  --override KEY=VALUE   Set a key, after the file (repeatable)
  --help                 Show this help

Environment:
  RUNNEL_LOG_LEVEL       trace, debug, info (default), warn, error
`;

export async function startCommand(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv, { '--config': { value: true }, '--override': { value: true, repeat: true }, '--help': {}, '-h': {} });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`runnel start: ${err.message}\n${HELP}`);
      return 1;
    }
    throw err;
  }
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const overrides = new Map<string, string>();
  for (const o of flags.get('--override') ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`runnel start: --override takes key=value, not '${o}'\n`);
      return 1;
    }
    overrides.set(o.slice(0, eq).trim(), o.slice(eq + 1).trim());
  }
  const log = createLogger();
  let config: BrokerConfig;
  try {
    const file = option(flags, '--config');
    config = file ? BrokerConfig.fromFile(file, overrides) : new BrokerConfig(overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`runnel start: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // Without log.dirs/log.dir the data goes to the default ./data (not a temporary directory, as for
  // an embedded broker); with them, startBroker uses every one of them.
  const configured = config.isSet('log.dirs') || config.isSet('log.dir');
  // The handlers go in before the start: the broker listens before startBroker resolves (it still
  // loads prom-client and opens /metrics), and a signal in that window must stop it cleanly, not kill
  // the process with the default action. A start that is stuck (an etcd that never answers) still
  // ends: the process exits once the shutdown timeout has passed since the signal.
  let starting = true;
  let stuckTimer: NodeJS.Timeout | undefined;
  let stopped: (signal: string) => void = () => undefined;
  const signalled = new Promise<string>((resolve) => (stopped = resolve));
  const onSignal = (signal: string): void => {
    stopped(signal);
    if (!starting || stuckTimer) return;
    log.info({ signal }, 'shutting down once the start has finished');
    const ms = config.int('runnel.shutdown.timeout.ms');
    stuckTimer = setTimeout(() => {
      log.error({ signal, ms }, 'the start did not finish in time after the signal; exiting');
      log.flush?.();
      process.exit(1);
    }, ms).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const broker = await startBroker({ config, dataDir: configured ? undefined : config.logDirs[0], logger: log, metrics: true, console: config.bool('runnel.console.enable') })
    .catch((err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') throw new Error(`cannot listen on ${config.list('listeners')[0]}: the address is in use`);
      throw err;
    })
    .finally(() => {
      // The start is over: the shutdown below has its own timeout and must not be cut short.
      starting = false;
      clearTimeout(stuckTimer);
    });
  const signal = await signalled;
  log.info({ signal }, 'shutting down');
  await broker.close().catch((err: unknown) => {
    log.error({ err }, 'shutdown failed');
    process.exitCode = 1;
  });
  log.flush?.();
  return 0;
}
