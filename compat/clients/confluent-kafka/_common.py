"""Shared by the confluent-kafka scenario scripts (files starting with _ are not scenarios)."""
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

# compat/lib: what the clients of every language share.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))

BOOTSTRAP = os.environ["RUNNEL_BOOTSTRAP"]
TOPIC = os.environ["RUNNEL_TOPIC"]

# The SASL scripts also run over SASL_SSL (scenarios with `scripts`): the security protocol and the
# CA (a PEM file) to trust come from the environment; SASL_PLAINTEXT without them.
SECURITY_PROTOCOL = os.environ.get("RUNNEL_SECURITY_PROTOCOL") or "SASL_PLAINTEXT"
SSL_CA = os.environ.get("RUNNEL_SSL_CA")
CLIENT_ID = "runnel-compat-confluent"


def fail(message):
    sys.exit(f"confluent-kafka: {message}")


def check(cond, message):
    if not cond:
        fail(message)


def report(label, problems):
    """Fails with the first 20 problems, if there are any."""
    if problems:
        fail(f"{label}: {len(problems)} problem(s):\n" + "\n".join(problems[:20]))


def create_topic(name, partitions):
    """Creates the topic with AdminClient.create_topics; where the broker does not serve
    CreateTopics (librdkafka reports _UNSUPPORTED_FEATURE), asks for its metadata instead, which
    auto-creates it with the broker's num.partitions. Waits until it has `partitions` partitions
    with a leader, and returns how it was created."""
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID})
    how = "CreateTopics"
    try:
        admin.create_topics([NewTopic(name, partitions, 1)], request_timeout=15)[name].result()
    except KafkaException as e:
        err = e.args[0]
        if err.code() != KafkaError._UNSUPPORTED_FEATURE:
            fail(f"create_topics({name}, {partitions} partitions): {err}")
        how = "auto-creation (the broker does not serve CreateTopics)"
    deadline = time.monotonic() + 20
    while True:
        t = admin.list_topics(topic=name, timeout=10).topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions and all(p.leader >= 0 for p in t.partitions.values()):
            return how
        if time.monotonic() > deadline:
            fail(f"{name} should have {partitions} partition(s) with a leader after {how}: {t and (t.error, t.partitions)}")
        time.sleep(0.2)


def consume_all(topic, partitions, expected, timeout=30, **config):
    """Reads every partition from the beginning until its end (partition EOF), with assign():
    no group coordinator is involved (confluent-kafka insists on a group.id all the same, and
    nothing is committed). Returns the messages in consumption order."""
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "client.id": CLIENT_ID,
        "group.id": f"{topic}-unused",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        # librdkafka reports the end of a partition after an empty fetch, which waits this long.
        "fetch.wait.max.ms": 100,
        **config,
    })
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        messages, at_end = [], set()
        deadline = time.monotonic() + timeout
        while len(at_end) < partitions or len(messages) < expected:
            if time.monotonic() > deadline:
                fail(f"{topic}: {len(messages)} of {expected} messages after {timeout} s (partitions at their end: {sorted(at_end)})")
            m = consumer.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                    continue
                fail(f"{topic}: consume error {m.error()}")
            messages.append(m)
        return messages
    finally:
        consumer.close()


class Deliveries:
    """The delivery callback of scenarios whose message values are sequence numbers: `delivered`
    maps a sequence number to its (partition, offset), `errors` lists the failed ones."""

    def __init__(self):
        self.delivered = {}
        self.errors = []

    def __call__(self, err, msg):
        seq = int(msg.value())
        if err is not None:
            self.errors.append(f"seq {seq}: {err}")
        else:
            self.delivered[seq] = (msg.partition(), msg.offset())

    def wait(self, producer, expected=None):
        """Flushes the producer (30 s); fails on a message not delivered or refused, or on fewer
        delivery reports than `expected`."""
        left = producer.flush(30)
        check(left == 0, f"{left} messages still undelivered after flush(30)")
        report("delivery", self.errors)
        if expected is not None:
            check(len(self.delivered) == expected, f"{len(self.delivered)} of {expected} delivery reports")
