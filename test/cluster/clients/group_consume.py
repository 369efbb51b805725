"""A confluent-kafka (librdkafka) group member for cluster tests: consumes with auto-commit and
prints each record's value on its own line, flushed, until it is killed or --max records."""
import sys
from confluent_kafka import Consumer

bootstrap, group, topic = sys.argv[1], sys.argv[2], sys.argv[3]
c = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': True,
    'auto.commit.interval.ms': 100,
    'session.timeout.ms': 10000,
    'heartbeat.interval.ms': 500,
})
c.subscribe([topic])
try:
    while True:
        m = c.poll(0.2)
        if m is None or m.error():
            continue
        print(m.value().decode(), flush=True)
finally:
    c.close()
