"""confluent-kafka (librdkafka): auto-create a topic by asking for its metadata, then list topics.

librdkafka negotiates ApiVersions on connect (api.version.request=true) and retries the
LEADER_NOT_AVAILABLE of the first answer for a new topic within list_topics' timeout.
"""
import os
import sys

from confluent_kafka.admin import AdminClient

bootstrap = os.environ["RUNNEL_BOOTSTRAP"]
topic = os.environ["RUNNEL_TOPIC"]
node_id = int(os.environ.get("RUNNEL_NODE_ID", "1"))
host, port = bootstrap.rsplit(":", 1)
port = int(port)


def check(cond, message):
    if not cond:
        sys.exit(f"confluent-kafka: {message}")


admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "runnel-compat-confluent"})

md = admin.list_topics(topic=topic, timeout=20)
t = md.topics.get(topic)
check(t is not None, f"list_topics(topic) did not return {topic}: {md.topics}")
check(t.error is None, f"{topic}: {t.error}")

md = admin.list_topics(timeout=20)
check(topic in md.topics, f"list_topics() lacks {topic}: {sorted(md.topics)}")
t = md.topics[topic]
check(t.error is None, f"{topic}: {t.error}")
check(list(t.partitions) == [0], f"{topic} should have 1 partition: {t.partitions}")
p0 = t.partitions[0]
check(p0.error is None and p0.leader == node_id, f"partition 0 should be led by node {node_id}: leader={p0.leader} error={p0.error}")

check(list(md.brokers) == [node_id], f"brokers should be [{node_id}]: {md.brokers}")
b = md.brokers[node_id]
check((b.host, b.port) == (host, port), f"broker {node_id} should be {host}:{port}, got {b.host}:{b.port}")
check(md.controller_id == node_id, f"controller should be {node_id}, got {md.controller_id}")
check(md.cluster_id, f"cluster id is empty: {md.cluster_id!r}")

print(f"confluent-kafka: {topic} has 1 partition led by node {node_id} at {host}:{port}")
