"""kafka-python: a producer waits for a new topic's metadata (auto-creating it), a consumer lists
topics, and the admin client describes the cluster.

kafka-python 2.x sends ApiVersions on connect and infers a broker version from the APIs advertised
(see compat/FINDINGS.md); if ApiVersions failed it would fall back to probing old requests.
"""
import os
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

bootstrap = os.environ["RUNNEL_BOOTSTRAP"]
topic = os.environ["RUNNEL_TOPIC"]
node_id = int(os.environ.get("RUNNEL_NODE_ID", "1"))
host, port = bootstrap.rsplit(":", 1)
port = int(port)


def check(cond, message):
    if not cond:
        sys.exit(f"kafka-python: {message}")


# partitions_for() blocks (up to max_block_ms) until the topic has metadata, retrying the
# LEADER_NOT_AVAILABLE that comes with auto-creation.
producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="runnel-compat-kafka-python", max_block_ms=20000)
try:
    check(producer.config["api_version"] >= (0, 10), f"ApiVersions not used: api_version={producer.config['api_version']}")
    parts = producer.partitions_for(topic)
    check(parts == {0}, f"partitions_for({topic}) should be {{0}}: {parts}")
finally:
    producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="runnel-compat-kafka-python")
try:
    topics = consumer.topics()
    check(topic in topics, f"topics() lacks {topic}: {sorted(topics)}")
    parts = consumer.partitions_for_topic(topic)
    check(parts == {0}, f"partitions_for_topic({topic}) should be {{0}}: {parts}")
finally:
    consumer.close()

admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="runnel-compat-kafka-python")
try:
    check(topic in admin.list_topics(), f"admin list_topics() lacks {topic}")
    [described] = admin.describe_topics([topic])
    check(described["error_code"] == 0, f"describe_topics({topic}): {described}")
    p = described["partitions"]
    check(len(p) == 1 and p[0]["partition"] == 0 and p[0]["leader"] == node_id,
          f"{topic} should have 1 partition led by node {node_id}: {p}")
    cluster = admin.describe_cluster()
    brokers = [(b["node_id"], b["host"], b["port"]) for b in cluster["brokers"]]
    check(brokers == [(node_id, host, port)], f"brokers should be [({node_id}, {host!r}, {port})]: {brokers}")
    check(cluster["controller_id"] == node_id, f"controller should be {node_id}: {cluster['controller_id']}")
finally:
    admin.close()

print(f"kafka-python: {topic} has 1 partition led by node {node_id} at {host}:{port}")
