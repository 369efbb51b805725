"""kafka-python: topic administration with KafkaAdminClient: create_topics (3 partitions, a config;
TopicAlreadyExistsError), describe_configs (topic and broker), alter_configs (replaces every
override), create_partitions and delete_topics.

kafka-python 2.0.2 picks the highest version both sides support for each admin API (CreateTopics
v3, DeleteTopics v3, CreatePartitions v1, DescribeConfigs v2, AlterConfigs v1) and raises the
first error code of a response as an exception. It has no DeleteRecords.
"""
import os
import sys
import time

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import TopicAlreadyExistsError

bootstrap = os.environ["RUNNEL_BOOTSTRAP"]
topic = os.environ["RUNNEL_TOPIC"]
node_id = int(os.environ.get("RUNNEL_NODE_ID", "1"))


def check(cond, message):
    if not cond:
        sys.exit(f"kafka-python: {message}")


def configs(resource):
    """name -> (value, read_only, source or is_default) of the resource's entries."""
    [response] = admin.describe_configs([resource])
    [(error_code, error_message, _type, _name, entries)] = response.resources
    check(error_code == 0, f"describe_configs({resource.name}) failed: {error_code} {error_message}")
    return {e[0]: (e[1], e[2], e[3]) for e in entries}


admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="runnel-compat-kafka-python")
try:
    admin.create_topics([NewTopic(name=topic, num_partitions=3, replication_factor=1, topic_configs={"retention.ms": "3600000"})])
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=3, replication_factor=1)])
        check(False, "a second create_topics should raise TopicAlreadyExistsError")
    except TopicAlreadyExistsError:
        pass

    [described] = admin.describe_topics([topic])
    check(len(described["partitions"]) == 3, f"{topic} should have 3 partitions: {described}")

    topic_resource = ConfigResource(ConfigResourceType.TOPIC, topic)
    cfg = configs(topic_resource)
    check(cfg["retention.ms"][0] == "3600000" and cfg["retention.ms"][2] == 1, f"retention.ms should be the topic's override (source 1): {cfg['retention.ms']}")
    check(cfg["segment.bytes"][0] == str(1024 ** 3) and cfg["segment.bytes"][2] == 5, f"segment.bytes should be the default (source 5): {cfg['segment.bytes']}")

    # AlterConfigs replaces every override: retention.ms goes back to its default.
    response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": "500000"})])
    check(all(r[0] == 0 for r in response.resources), f"alter_configs failed: {response.resources}")
    cfg = configs(topic_resource)
    check(cfg["max.message.bytes"][0] == "500000", f"max.message.bytes should be altered: {cfg['max.message.bytes']}")
    check(cfg["retention.ms"][0] == "604800000" and cfg["retention.ms"][2] == 5, f"retention.ms should be back to its default: {cfg['retention.ms']}")

    bcfg = configs(ConfigResource(ConfigResourceType.BROKER, str(node_id)))
    check("num.partitions" in bcfg and bcfg["num.partitions"][1] is True, f"the broker should describe num.partitions, read-only: {bcfg.get('num.partitions')}")

    admin.create_partitions({topic: NewPartitions(total_count=5)})
    [described] = admin.describe_topics([topic])
    check(len(described["partitions"]) == 5, f"{topic} should have 5 partitions after create_partitions: {described['partitions']}")

    admin.delete_topics([topic])
    deadline = time.time() + 10
    while topic in admin.list_topics():
        check(time.time() < deadline, f"{topic} is still listed after delete_topics")
        time.sleep(0.2)
finally:
    admin.close()

print(f"kafka-python: created {topic} (3 partitions), described and altered configs, grew it to 5, deleted it")
