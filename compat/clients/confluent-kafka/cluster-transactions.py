"""confluent-kafka in the three-broker cluster: a transactional producer (bootstrapping from
broker 1; its transaction coordinator is the leader of its id's __transaction_state partition)
writes c0..c59 to all 6 partitions of a replication-factor-3 topic, so to all three leaders, and
commits; then a0..a59 the same way (flushed to the brokers), and aborts. Read group-less with
assign(): read_committed sees exactly c0..c59 in order per partition, read_uncommitted the
a-values too."""
from confluent_kafka import Producer

from _cluster import PARTITIONS, create_replicated_topic
from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, report

create_replicated_topic(TOPIC)
producer = Producer({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "transactional.id": f"{TOPIC}-txn", "linger.ms": 5})
producer.init_transactions(30)
committed = [f"c{i}" for i in range(60)]
aborted = [f"a{i}" for i in range(60)]
producer.begin_transaction()
for i, v in enumerate(committed):
    producer.produce(TOPIC, value=v, partition=i % PARTITIONS)
producer.commit_transaction(30)
producer.begin_transaction()
for i, v in enumerate(aborted):
    producer.produce(TOPIC, value=v, partition=i % PARTITIONS)
check(producer.flush(30) == 0, "the aborted transaction's messages should reach the brokers before abort")
producer.abort_transaction(30)


def compare(label, messages, expected):
    problems = []
    values = [m.value().decode() for m in messages]
    if sorted(values) != sorted(expected):
        problems.append(f"{label}: {len(values)} values, expected {len(expected)}: {[v for v in values if v not in expected][:10]} unexpected")
    for p in range(PARTITIONS):
        mine = [m.value().decode() for m in messages if m.partition() == p]
        if mine != [v for v in expected if v in mine]:
            problems.append(f"{label}: partition {p} out of order: {mine}")
    return problems


# Both phases produced value i to partition i % 6, so each partition ends with its control record
# after the aborted batch: partition EOF comes after every message read_committed can see.
rc = consume_all(TOPIC, PARTITIONS, len(committed), **{"isolation.level": "read_committed"})
ru = consume_all(TOPIC, PARTITIONS, len(committed) + len(aborted), **{"isolation.level": "read_uncommitted"})
report(TOPIC, compare("read_committed", rc, committed) + compare("read_uncommitted", ru, committed + aborted))
print(f"confluent-kafka: a transaction over 6 partitions led by 3 brokers committed ({len(committed)} messages, all read_committed) "
      "and one aborted (read_uncommitted only)")
