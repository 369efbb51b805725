"""confluent-kafka (librdkafka) in the three-broker cluster, bootstrapping from broker 1: a
6-partition replication-factor-3 topic created with AdminClient (layout checked in _cluster.py),
600 keyed messages produced with acks=all (not idempotent), read back group-less with assign()
from every partition's leader, each once, in order per key, at the offset its delivery report gave."""

from confluent_kafka import Producer

from _cluster import PARTITIONS, create_replicated_topic
from _common import BOOTSTRAP, CLIENT_ID, TOPIC, Deliveries, consume_all, report
from keyed_checks import keyed_problems  # compat/lib

N, KEYS = 600, 60

leaders = create_replicated_topic(TOPIC)

producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "acks": "all",
    "enable.idempotence": False,
    # librdkafka retries (a leader may answer NOT_LEADER_OR_FOLLOWER for a moment after the topic
    # was created); without idempotence only one request in flight keeps the order per key.
    "max.in.flight.requests.per.connection": 1,
    "linger.ms": 5,
})
on_delivery = Deliveries()
delivered = on_delivery.delivered  # seq -> (partition, offset)


for n in range(N):
    producer.produce(TOPIC, key=f"k{n % KEYS}", value=str(n), on_delivery=on_delivery)
    producer.poll(0)
on_delivery.wait(producer, N)

messages = consume_all(TOPIC, PARTITIONS, N)
problems = []
read = [(int(m.value()), m.key().decode(), m.partition(), m.offset()) for m in messages]
problems += keyed_problems(read, N, KEYS, PARTITIONS, delivered, "delivery report said")
report(TOPIC, problems)

print(f"confluent-kafka: leaders {leaders}; {N} messages with acks=all came back once each, in order per key, "
      "at their reported offsets")
