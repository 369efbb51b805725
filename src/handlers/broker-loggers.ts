/**
 * BROKER_LOGGER config resources (type 8, KIP-412): the broker's loggers (src/util/loggers.ts) and
 * their levels, as `kafka-configs.sh --entity-type broker-loggers --entity-name <node id>` uses
 * them. The resource name must be this node's id. Kafka's RuntimeLoggerManager rules: every op is
 * validated before any applies; SET needs a known logger (INVALID_CONFIG "Logger X does not
 * exist!") and one of FATAL, ERROR, WARN, INFO, DEBUG, TRACE (INVALID_CONFIG); DELETE makes the
 * logger follow root again and is refused for root itself (INVALID_REQUEST); APPEND and SUBTRACT
 * are INVALID_REQUEST. validateOnly checks without changing anything. Levels are not persisted.
 */
import { ErrorCode } from '../protocol/errors.js';
import { ConfigSource } from '../config/topic-configs.js';
import type { DescribedConfig } from '../config/topic-configs.js';
import { KAFKA_LEVELS, ROOT_LOGGER } from '../util/loggers.js';
import { err, NO_ERROR, type ApiError } from './admin-common.js';
import type { AlterResource } from './alter-configs-common.js';
import type { HandlerContext } from './types.js';
import { AlterOp, opName } from '../config/config-ops.js';

const { SET, DELETE } = AlterOp;

/** The resource name must be this node's id (never empty: loggers are per broker). */
function nodeNameError(name: string, nodeId: number): ApiError | undefined {
  if (!/^-?\d+$/.test(name)) return err(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
  if (Number(name) !== nodeId) return err(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${nodeId}, but received ${name}`);
  return undefined;
}

export function alterLoggers(res: AlterResource, validateOnly: boolean, ctx: HandlerContext): ApiError {
  const bad = nodeNameError(res.resourceName, ctx.broker.nodeId);
  if (bad) return bad;
  const loggers = ctx.broker.loggers;
  for (const { name, op, value } of res.ops) {
    if (op !== SET && op !== DELETE) return err(ErrorCode.INVALID_REQUEST, `${opName(op)} operation is not allowed for the BROKER_LOGGER resource`);
    if (!loggers.exists(name)) return err(ErrorCode.INVALID_CONFIG, `Logger ${name} does not exist!`);
    if (op === DELETE && name === ROOT_LOGGER) return err(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
    if (op === SET && !(KAFKA_LEVELS as readonly string[]).includes(value!))
      return err(
        ErrorCode.INVALID_CONFIG,
        `Cannot set the log level of ${name} to ${value} as it is not a supported log level. Valid log levels are ${KAFKA_LEVELS.join(', ')}`,
      );
  }
  if (validateOnly) return NO_ERROR;
  for (const { name, op, value } of res.ops) {
    if (op === SET) loggers.set(name, value!);
    else loggers.reset(name);
  }
  ctx.broker.log.info({ loggers: res.ops.map((o) => `${o.name}=${o.op === SET ? o.value : '<root>'}`), by: ctx.header.clientId }, 'log levels changed');
  return NO_ERROR;
}

/** Every logger with its level; Kafka reports them all with source DYNAMIC_BROKER_LOGGER_CONFIG. */
export function describeLoggers(resourceName: string, ctx: HandlerContext): DescribedConfig[] | ApiError {
  if (resourceName === '') return err(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
  const bad = nodeNameError(resourceName, ctx.broker.nodeId);
  if (bad) return bad;
  return ctx.broker.loggers.levels().map(({ name, level }) => ({
    name,
    value: level,
    readOnly: false,
    source: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
    isSensitive: false,
    synonyms: [],
    type: 0,
    documentation: null,
  }));
}
