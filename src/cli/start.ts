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
  const broker = await startBroker({ config, dataDir: configured ? undefined : config.logDirs[0], logger: log, metrics: true, console: config.bool('runnel.console.enable') }).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`cannot listen on ${config.list('listeners')[0]}: the address is in use`);
    throw err;
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      broker.close().then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.flush?.();
  return 0;
}
