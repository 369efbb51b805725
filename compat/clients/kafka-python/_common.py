"""Shared by the kafka-python scenario scripts (files starting with _ are not scenarios)."""
import os
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import IncompatibleBrokerVersion

# compat/lib: what the clients of every language share.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))

BOOTSTRAP = os.environ["RUNNEL_BOOTSTRAP"]
TOPIC = os.environ["RUNNEL_TOPIC"]

# The SASL scripts also run over SASL_SSL (scenarios with `scripts`): the security protocol and the
# CA (a PEM file) to trust come from the environment; SASL_PLAINTEXT without them.
SECURITY_PROTOCOL = os.environ.get("RUNNEL_SECURITY_PROTOCOL") or "SASL_PLAINTEXT"
SSL_CA = os.environ.get("RUNNEL_SSL_CA")
CLIENT_ID = "runnel-compat-kafka-python"


def fail(message):
    sys.exit(f"kafka-python: {message}")


def check(cond, message):
    if not cond:
        fail(message)


def report(label, problems):
    """Fails with the first 20 problems, if there are any."""
    if problems:
        fail(f"{label}: {len(problems)} problem(s):\n" + "\n".join(problems[:20]))


def create_topic(name, partitions):
    """Creates the topic with KafkaAdminClient.create_topics; where the broker does not serve
    CreateTopics (IncompatibleBrokerVersion), waits for its metadata through a producer instead,
    which auto-creates it with the broker's num.partitions. Returns how it was created."""
    how = "CreateTopics"
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)
    try:
        response = admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=15000)
        errors = [(t[0], t[1]) for t in response.topic_errors if t[1] != 0]
        check(not errors, f"create_topics({name}, {partitions} partitions): errors {errors}")
    except IncompatibleBrokerVersion:
        how = "auto-creation (the broker does not serve CreateTopics)"
    finally:
        admin.close()
    # partitions_for() blocks until the topic has metadata, retrying LEADER_NOT_AVAILABLE.
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, max_block_ms=20000)
    try:
        deadline = time.monotonic() + 20
        while (parts := producer.partitions_for(name)) != set(range(partitions)):
            if time.monotonic() > deadline:
                fail(f"{name} should have {partitions} partition(s) after {how}: {parts}")
            time.sleep(0.2)
            producer._metadata.request_update()
    finally:
        producer.close()
    return how


def consume_all(topic, partitions, expected, timeout=30, **config):
    """Reads every partition from the beginning up to its end offset (as ListOffsets reports it
    before reading), with assign() and no group (group_id=None: nothing is committed). Returns the
    records in consumption order."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, group_id=None,
                             enable_auto_commit=False, fetch_max_wait_ms=100, **config)
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        check(sum(end.values()) == expected, f"{topic}: end offsets {end} should add up to {expected}")
        records = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                fail(f"{topic}: {len(records)} of {expected} records after {timeout} s; "
                     f"positions {[consumer.position(tp) for tp in tps]}, end offsets {[end[tp] for tp in tps]}")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()
