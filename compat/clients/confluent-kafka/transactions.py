"""confluent-kafka (librdkafka): a transactional producer into a 2-partition topic (message n to
partition n % 2): transaction 1 commits c0..c9, transaction 2 produces a0..a9, flush()es them
(abort_transaction() would purge what is still unsent, and they must really reach the broker) and
aborts, transaction 3 commits c10..c19. A read_committed consumer (isolation.level, librdkafka's
default) reads exactly c0..c19, once each, in order per partition; a read_uncommitted one reads
a0..a9 too."""
from confluent_kafka import Producer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic, report

PARTITIONS = 2
create_topic(TOPIC, PARTITIONS)

producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "transactional.id": f"{TOPIC}-txn",
    "linger.ms": 5,
})
errors = []
delivered = set()


def on_delivery(err, msg):
    if err is not None:
        errors.append(f"{msg.value()}: {err}")
    else:
        delivered.add(msg.value().decode())


def produce(prefix, start, end):
    for n in range(start, end):
        producer.produce(TOPIC, partition=n % PARTITIONS, key=f"k{n % 4}", value=f"{prefix}{n}", on_delivery=on_delivery)
    producer.poll(0)


producer.init_transactions(15)
producer.begin_transaction()
produce("c", 0, 10)
producer.commit_transaction(15)
producer.begin_transaction()
produce("a", 0, 10)
check(producer.flush(15) == 0, "the aborted transaction's messages were not all delivered before abort")
check({f"a{n}" for n in range(10)} <= delivered, f"the aborted messages should be delivered before abort: {sorted(delivered)}")
producer.abort_transaction(15)
producer.begin_transaction()
produce("c", 10, 20)
producer.commit_transaction(15)
producer.flush(5)
report("delivery", errors)

committed = [f"c{n}" for n in range(20)]
aborted = [f"a{n}" for n in range(10)]
order = committed[:10] + aborted + committed[10:]


def compare(label, messages, expected):
    problems = []
    values = [m.value().decode() for m in messages]
    if sorted(values) != sorted(expected):
        problems.append(f"{label}: expected {sorted(expected)}, got {sorted(values)}")
    for p in range(PARTITIONS):
        mine = [m.value().decode() for m in messages if m.partition() == p]
        if mine != [v for v in order if v in mine]:
            problems.append(f"{label}: partition {p} out of order: {mine}")
    return problems


rc = consume_all(TOPIC, PARTITIONS, len(committed), **{"isolation.level": "read_committed"})
ru = consume_all(TOPIC, PARTITIONS, len(committed) + len(aborted), **{"isolation.level": "read_uncommitted"})
report(TOPIC, compare("read_committed", rc, committed) + compare("read_uncommitted", ru, committed + aborted))
print(f"confluent-kafka: read_committed saw the {len(committed)} committed messages only, "
      f"read_uncommitted the {len(aborted)} aborted ones too")
