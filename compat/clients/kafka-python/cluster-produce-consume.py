"""kafka-python in the three-broker cluster, bootstrapping from broker 1: a 6-partition
replication-factor-3 topic created with KafkaAdminClient (layout checked in _cluster.py), 600 keyed
messages produced with acks='all', read back group-less with assign() from every partition's
leader, each once, in order per key, at the offset the producer's future gave."""
from kafka import KafkaProducer

from _cluster import PARTITIONS, create_replicated_topic
from _common import BOOTSTRAP, CLIENT_ID, TOPIC, consume_all, report
from keyed_checks import keyed_problems  # compat/lib

N, KEYS = 600, 60

leaders = create_replicated_topic(TOPIC)

# Retries (kafka-python 2.0.2 defaults to none) with one request in flight, so that order holds: a
# leader may answer NOT_LEADER_OR_FOLLOWER for a moment after the topic was created, until it has
# applied the new partition state (compat/FINDINGS.md).
producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all", linger_ms=5, retries=5,
                         max_in_flight_requests_per_connection=1)
futures = [(n, producer.send(TOPIC, key=f"k{n % KEYS}".encode(), value=str(n).encode())) for n in range(N)]
producer.flush(30)
delivered, errors = {}, []
for n, f in futures:
    try:
        md = f.get(timeout=30)
        delivered[n] = (md.partition, md.offset)
    except Exception as e:  # noqa: BLE001 - report whatever the client raised
        errors.append(f"seq {n}: {e!r}")
producer.close()
report("delivery", errors)

records = consume_all(TOPIC, PARTITIONS, N)
problems = []
read = [(int(r.value), r.key.decode(), r.partition, r.offset) for r in records]
problems += keyed_problems(read, N, KEYS, PARTITIONS, delivered, "the producer said")
report(TOPIC, problems)

print(f"kafka-python: leaders {leaders}; {N} messages with acks=all came back once each, in order per key, at their offsets")
