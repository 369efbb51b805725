"""Shared by the confluent-kafka cluster scenarios (files starting with _ are not scenarios)."""
import time

from confluent_kafka.admin import AdminClient, NewTopic

from _common import BOOTSTRAP, CLIENT_ID, fail, report
from cluster_checks import broker_problems, layout_problems  # compat/lib (on the path through _common)

PARTITIONS = 6


def create_replicated_topic(name, partitions=PARTITIONS, config=None):
    """Creates the topic with replication factor 3 through broker 1 and waits (20 s) until
    librdkafka's metadata lists every broker at its address and the topic's layout is right
    (cluster_checks.layout_problems: full ISRs, every broker leading a partition)."""
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID})
    try:
        admin.create_topics([NewTopic(name, partitions, 3, config=config or {})], request_timeout=15)[name].result()
    except Exception as e:  # noqa: BLE001 - report whatever the client raised
        fail(f"create_topics({name}, {partitions} partitions, replication factor 3): {e}")
    deadline = time.monotonic() + 20
    while True:
        md = admin.list_topics(topic=name, timeout=10)
        problems = broker_problems({b.id: (b.host, b.port) for b in md.brokers.values()})
        t = md.topics.get(name)
        if t is None or t.error is not None:
            problems.append(f"topic {name}: {t and t.error}")
        else:
            problems += layout_problems([(p.id, p.leader, p.replicas, p.isrs) for p in t.partitions.values()], partitions)
        if not problems:
            return {p.id: p.leader for p in t.partitions.values()}
        if time.monotonic() > deadline:
            report(f"{name} layout after 20 s", problems)
        time.sleep(0.2)
