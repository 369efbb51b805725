import pino, { type Logger } from 'pino';

export type { Logger };

/** Human-readable lines in a terminal, JSON lines otherwise (files, pipes, log shippers). */
export function createLogger(opts: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  const level = opts.level ?? process.env.RUNNEL_LOG_LEVEL ?? 'info';
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({
      level,
      name: opts.name,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, name: opts.name });
}

export const silentLogger: Logger = pino({ level: 'silent' });
