"""confluent-kafka (librdkafka): topic administration with AdminClient: create_topics (3
partitions, a config; TOPIC_ALREADY_EXISTS and INVALID_CONFIG), describe_configs (topic and broker),
alter_configs (replaces every override), create_partitions and delete_topics.

confluent-kafka 1.7.0 has no delete_records (added in 2.4) and no incremental_alter_configs.
librdkafka 2.0.2 sends CreateTopics v4, DeleteTopics v1, CreatePartitions v0, DescribeConfigs v1
and AlterConfigs v0.
"""
import os
import sys
import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic

bootstrap = os.environ["RUNNEL_BOOTSTRAP"]
topic = os.environ["RUNNEL_TOPIC"]
node_id = int(os.environ.get("RUNNEL_NODE_ID", "1"))


def check(cond, message):
    if not cond:
        sys.exit(f"confluent-kafka: {message}")


def error_code(future):
    try:
        future.result()
    except KafkaException as e:
        return e.args[0].code()
    return KafkaError.NO_ERROR


def topic_configs():
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return admin.describe_configs([resource], request_timeout=15)[resource].result()


admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "runnel-compat-confluent"})

new = NewTopic(topic, num_partitions=3, replication_factor=1, config={"retention.ms": "3600000"})
admin.create_topics([new], request_timeout=15)[topic].result()
again = admin.create_topics([NewTopic(topic, 3, 1)], request_timeout=15)[topic]
check(error_code(again) == KafkaError.TOPIC_ALREADY_EXISTS, f"a second create_topics should fail with TOPIC_ALREADY_EXISTS: {error_code(again)}")
bad = admin.create_topics([NewTopic(f"{topic}-bad", 1, 1, config={"retention.ms": "soon"})], request_timeout=15)[f"{topic}-bad"]
check(error_code(bad) == KafkaError.INVALID_CONFIG, f"a bad config value should fail with INVALID_CONFIG: {error_code(bad)}")

md = admin.list_topics(topic=topic, timeout=15)
check(len(md.topics[topic].partitions) == 3, f"{topic} should have 3 partitions: {md.topics[topic].partitions}")

cfg = topic_configs()
check(cfg["retention.ms"].value == "3600000" and not cfg["retention.ms"].is_default, f"retention.ms should be the override: {cfg['retention.ms']}")
check(cfg["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value, f"retention.ms should come from the topic: {cfg['retention.ms'].source}")
check(cfg["segment.bytes"].value == str(1024 ** 3) and cfg["segment.bytes"].is_default, f"segment.bytes should be the default: {cfg['segment.bytes']}")

# AlterConfigs replaces every override: retention.ms goes back to its default.
resource = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"max.message.bytes": "500000"})
admin.alter_configs([resource], request_timeout=15)[resource].result()
cfg = topic_configs()
check(cfg["max.message.bytes"].value == "500000", f"max.message.bytes should be altered: {cfg['max.message.bytes']}")
check(cfg["retention.ms"].value == "604800000" and cfg["retention.ms"].is_default, f"retention.ms should be back to its default: {cfg['retention.ms']}")

broker = ConfigResource(ConfigResource.Type.BROKER, str(node_id))
bcfg = admin.describe_configs([broker], request_timeout=15)[broker].result()
check("num.partitions" in bcfg and bcfg["num.partitions"].is_read_only, f"the broker should describe num.partitions, read-only: {sorted(bcfg)[:5]}")

admin.create_partitions([NewPartitions(topic, 5)], request_timeout=15)[topic].result()
md = admin.list_topics(topic=topic, timeout=15)
check(len(md.topics[topic].partitions) == 5, f"{topic} should have 5 partitions after create_partitions: {md.topics[topic].partitions}")

admin.delete_topics([topic], request_timeout=15)[topic].result()
deadline = time.time() + 10
while topic in admin.list_topics(timeout=15).topics:
    check(time.time() < deadline, f"{topic} is still listed after delete_topics")
    time.sleep(0.2)

print(f"confluent-kafka: created {topic} (3 partitions), described and altered configs, grew it to 5, deleted it")
