"""Shared by the kafka-python cluster scenarios (files starting with _ are not scenarios)."""
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from _common import BOOTSTRAP, CLIENT_ID, check, report
from cluster_checks import broker_problems, layout_problems  # compat/lib (on the path through _common)

PARTITIONS = 6


def create_replicated_topic(name, partitions=PARTITIONS):
    """Creates the topic with replication factor 3 through broker 1 and waits (20 s) until
    describe_cluster() lists every broker at its address and describe_topics() shows the right
    layout (cluster_checks.layout_problems). Returns {partition: leader}."""
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)
    try:
        response = admin.create_topics([NewTopic(name, partitions, 3)], timeout_ms=15000)
        errors = [(t[0], t[1]) for t in response.topic_errors if t[1] != 0]
        check(not errors, f"create_topics({name}, {partitions} partitions, replication factor 3): errors {errors}")
        deadline = time.monotonic() + 20
        while True:
            cluster = admin.describe_cluster()
            problems = broker_problems({b["node_id"]: (b["host"], b["port"]) for b in cluster["brokers"]})
            topics = admin.describe_topics([name])
            t = topics[0] if topics else None
            if t is None or t["error_code"] != 0:
                problems.append(f"topic {name}: {t}")
            else:
                problems += layout_problems([(p["partition"], p["leader"], p["replicas"], p["isr"]) for p in t["partitions"]], partitions)
            if not problems:
                return {p["partition"]: p["leader"] for p in t["partitions"]}
            if time.monotonic() > deadline:
                report(f"{name} layout after 20 s", problems)
            time.sleep(0.2)
    finally:
        admin.close()
