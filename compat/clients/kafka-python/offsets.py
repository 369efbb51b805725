"""kafka-python: ListOffsets through KafkaConsumer.beginning_offsets(), end_offsets() and
offsets_for_times(), after producing 10 messages with timestamps T0 + i * 1000."""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic

# Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
# segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
T0 = (int(time.time()) - 3600) * 1000

create_topic(TOPIC, 1)
producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all")
for i in range(10):
    producer.send(TOPIC, partition=0, value=f"m{i}".encode(), timestamp_ms=T0 + i * 1000)
producer.flush(30)
producer.close()

tp = TopicPartition(TOPIC, 0)
consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, group_id=None, enable_auto_commit=False)
try:
    earliest = consumer.beginning_offsets([tp])[tp]
    latest = consumer.end_offsets([tp])[tp]
    check((earliest, latest) == (0, 10), f"beginning/end offsets should be 0 and 10: {earliest}, {latest}")

    for ts, expected, what in [
        (T0 + 3500, (4, T0 + 4000), "T0+3500 (between messages 3 and 4)"),
        (T0 + 4000, (4, T0 + 4000), "T0+4000 (message 4's own timestamp)"),
        (T0, (0, T0), "T0 (the first message)"),
        (T0 - 60_000, (0, T0), "before the first message"),
        (T0 + 9001, None, "after the last message (none)"),
    ]:
        found = consumer.offsets_for_times({tp: ts})[tp]
        got = found and (found.offset, found.timestamp)
        check(got == expected, f"offsets_for_times at {what}: expected (offset, timestamp) {expected}, got {got}")
finally:
    consumer.close()
print("kafka-python: beginning 0, end 10; by timestamp T0+3500 -> 4 (at T0+4000), after the end -> none")
