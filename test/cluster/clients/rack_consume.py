"""A confluent-kafka (librdkafka) consumer with client.rack for the racks cluster test: reads
partition 0 of a topic from offset 0 (assigned, no commits) and prints each record's value on its
own line, flushed, until it has --count records or --seconds have passed."""
import sys
import time
from confluent_kafka import Consumer, TopicPartition

bootstrap, topic, rack, count, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
c = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': 'racks-rdkafka',
    'client.rack': rack,
    'enable.auto.commit': False,
    'fetch.wait.max.ms': 200,
})
c.assign([TopicPartition(topic, 0, 0)])
seen = 0
deadline = time.time() + seconds
try:
    while seen < count and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            print('error: %s' % m.error(), file=sys.stderr, flush=True)
            continue
        print(m.value().decode(), flush=True)
        seen += 1
finally:
    c.close()
