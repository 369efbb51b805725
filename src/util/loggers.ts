/**
 * The broker's loggers as Kafka's BROKER_LOGGER config resource shows them (KIP-412): "root" (the
 * broker's pino logger) and one child per module, named like Kafka's logger hierarchy
 * ("runnel.server", "runnel.storage", ...). Each module logs through its own child, so its level can
 * be changed at run time; a child without a level of its own follows root.
 *
 * Levels use Kafka's names (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) mapped one to one to pino's;
 * pino's "silent" (the embedded broker's default) is shown as OFF. Levels are not persisted, as in
 * Kafka.
 */
import type { Logger } from './logger.js';

export const ROOT_LOGGER = 'root';
/** kafka.authorizer.logger: the authorizer's decisions, under Kafka's own name so its level is set as in Kafka. */
export const MODULE_LOGGERS = ['runnel.server', 'runnel.storage', 'runnel.groups', 'runnel.transactions', 'runnel.cluster', 'kafka.authorizer.logger'] as const;
export type ModuleLogger = (typeof MODULE_LOGGERS)[number];

/** Kafka's LogLevelConfig.VALID_LOG_LEVELS. */
export const KAFKA_LEVELS = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;

const toKafka = (pinoLevel: string): string => (pinoLevel === 'silent' ? 'OFF' : pinoLevel.toUpperCase());

export class BrokerLoggers {
  private readonly children = new Map<string, Logger>();
  /** Children whose level was set explicitly (the rest follow root). */
  private readonly own = new Set<string>();

  constructor(readonly root: Logger) {
    for (const name of MODULE_LOGGERS) this.children.set(name, root.child({}));
  }

  /** The logger a module writes to. */
  get(name: ModuleLogger): Logger {
    return this.children.get(name)!;
  }

  exists(name: string): boolean {
    return name === ROOT_LOGGER || this.children.has(name);
  }

  /** Every logger with its level in Kafka's words, root first. */
  levels(): Array<{ name: string; level: string }> {
    return [{ name: ROOT_LOGGER, level: toKafka(this.root.level) }, ...[...this.children].map(([name, l]) => ({ name, level: toKafka(l.level) }))];
  }

  /** Sets a level (one of KAFKA_LEVELS; the caller validated it). Root's applies to every child without its own. */
  set(name: string, kafkaLevel: string): void {
    const level = kafkaLevel.toLowerCase();
    if (name === ROOT_LOGGER) {
      this.root.level = level;
      for (const [n, l] of this.children) if (!this.own.has(n)) l.level = level;
      return;
    }
    this.children.get(name)!.level = level;
    this.own.add(name);
  }

  /** Back to following root (Kafka: DELETE sets the logger to the root level). */
  reset(name: string): void {
    this.own.delete(name);
    this.children.get(name)!.level = this.root.level;
  }
}
