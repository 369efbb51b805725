/**
 * DescribeConfigs (key 32), v0–v4.
 *
 * TOPIC resources: every topic-level key Kafka describes (src/config/topic-configs.ts), with the
 * topic's override (TOPIC_CONFIG) or the broker's effective value in the topic key's unit.
 * Unknown topics get UNKNOWN_TOPIC_OR_PARTITION and illegal names INVALID_TOPIC_EXCEPTION.
 * BROKER resources: this node's id describes every server.properties key Runnel reads, with the
 * source of the first synonym in Kafka's order (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG,
 * STATIC_BROKER_CONFIG, DEFAULT_CONFIG); keys that can change at run time are not read-only; ""
 * describes the keys set as cluster-wide dynamic defaults; another id or a non-number is
 * INVALID_REQUEST. GROUP resources: consumer.session.timeout.ms and consumer.heartbeat.interval.ms
 * (GROUP_CONFIG when overridden, else the broker's group.consumer.* value); "" is INVALID_REQUEST.
 * BROKER_LOGGER resources (this node's id): every logger and its level (DYNAMIC_BROKER_LOGGER_CONFIG).
 *
 * ConfigurationKeys null or empty means all keys; unknown requested keys are left out. v0 has
 * IsDefault (the value comes from no configuration); v1+ ConfigSource and, when IncludeSynonyms,
 * synonyms ranked as Kafka's ConfigHelper (those ranked before the key itself are dropped, so
 * retention.ms with only log.retention.hours set reports DEFAULT_CONFIG, as Kafka); v3+ the type
 * and, when IncludeDocumentation, documentation.
 *
 * Authorization, as Kafka's KafkaApis: DESCRIBE_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED),
 * on the group (GROUP_AUTHORIZATION_FAILED), on the cluster for BROKER and BROKER_LOGGER
 * (CLUSTER_AUTHORIZATION_FAILED), per resource with Kafka's message, before any other check.
 * Results keep the request's order (Kafka lists the denied ones last).
 *
 * Deviations: CLIENT_METRICS and unknown resource types get INVALID_REQUEST for that resource only
 * (Kafka fails the whole request for an unknown type); GROUP resources have no share.* keys (no
 * share groups); resources past the 10,000th get INVALID_REQUEST (Kafka has no cap).
 */
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../protocol/messages/index.js';
import { DescribeConfigsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { invalidTopicName } from '../cluster/topic-names.js';
import { ConfigSource, TOPIC_CONFIG_NAMES, brokerConfigNames, describeBrokerConfig, describeTopicConfig, type DescribedConfig } from '../config/topic-configs.js';
import { isDynamicBrokerKey } from '../config/dynamic-keys.js';
import { GROUP_CONFIG_NAMES, describeGroupConfig } from '../config/group-configs.js';
import { describeLoggers } from './broker-loggers.js';
import { ResourceType, brokerNameError, err, unsupportedResource, MAX_RESOURCES_PER_REQUEST, type ApiError } from './admin-common.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, DENIED_MESSAGE, configResourceDenied } from './common/authz.js';

type Result = DescribeConfigsResponseDescribeConfigsResult;
type Resource = DescribeConfigsRequestDescribeConfigsResource;

function describe(res: Resource, ctx: HandlerContext): DescribedConfig[] | ApiError {
  const { config, topics, nodeId } = ctx.broker;
  const wanted = (names: readonly string[]) =>
    res.configurationKeys === null || res.configurationKeys.length === 0 ? names : names.filter((n) => res.configurationKeys!.includes(n));
  switch (res.resourceType) {
    case ResourceType.TOPIC: {
      const invalid = invalidTopicName(res.resourceName);
      if (invalid) return err(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
      const t = topics.get(res.resourceName);
      if (!t) return err(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${res.resourceName}' does not exist.`);
      return wanted(TOPIC_CONFIG_NAMES).map((n) => describeTopicConfig(config, t.configs, n));
    }
    case ResourceType.BROKER: {
      const bad = brokerNameError(res.resourceName, nodeId, true);
      if (bad) return bad;
      // "" is the cluster default: only the keys set there, as Kafka.
      const perBroker = res.resourceName !== '';
      const names = perBroker ? brokerConfigNames(config) : [...config.dynamicValues('dynamic-default').keys()].sort();
      return wanted(names).map((n) => describeBrokerConfig(config, n, perBroker, isDynamicBrokerKey));
    }
    case ResourceType.GROUP: {
      if (res.resourceName === '') return err(ErrorCode.INVALID_REQUEST, 'Group name must not be empty');
      const overrides = ctx.broker.dynamicConfigs.groupOverrides(res.resourceName);
      return wanted(GROUP_CONFIG_NAMES).map((n) => describeGroupConfig(config, overrides, n));
    }
    case ResourceType.BROKER_LOGGER: {
      const described = describeLoggers(res.resourceName, ctx);
      return Array.isArray(described) ? described.filter((d) => wanted([d.name]).length > 0) : described;
    }
    default:
      return unsupportedResource(res.resourceType);
  }
}

export default defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>(DescribeConfigsRequestMeta, {
  note: 'TOPIC, BROKER (dynamic configs), GROUP and BROKER_LOGGER resources; no CLIENT_METRICS',
  handle(req, ctx) {
    const v = ctx.apiVersion;
    const results = req.resources.map((res, i): Result => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      const denied = configResourceDenied(ctx, AclOp.DESCRIBE_CONFIGS, res.resourceType, res.resourceName);
      const described = denied
        ? err(denied, DENIED_MESSAGE[denied])
        : i < MAX_RESOURCES_PER_REQUEST
          ? describe(res, ctx) : err(ErrorCode.INVALID_REQUEST, `Runnel describes at most ${MAX_RESOURCES_PER_REQUEST} resources per request.`);
      if (!Array.isArray(described)) return { ...base, errorCode: described.code, errorMessage: described.message, configs: [] };
      const configs = described.map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        isDefault: c.source === ConfigSource.DEFAULT_CONFIG,
        configSource: c.source,
        isSensitive: c.isSensitive,
        synonyms: v >= 1 && req.includeSynonyms ? c.synonyms : [],
        configType: c.type,
        documentation: v >= 3 && req.includeDocumentation ? c.documentation : null,
      }));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
    });
    return { throttleTimeMs: 0, results };
  },
});
