"""confluent-kafka (librdkafka): ListOffsets through get_watermark_offsets() (earliest and latest)
and offsets_for_times(), after producing 10 messages with timestamps T0 + i * 1000."""
import time

from confluent_kafka import Consumer, Producer, TopicPartition

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic

# Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
# segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
T0 = (int(time.time()) - 3600) * 1000

create_topic(TOPIC, 1)
producer = Producer({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "acks": "all", "enable.idempotence": False})
for i in range(10):
    producer.produce(TOPIC, partition=0, value=f"m{i}", timestamp=T0 + i * 1000)
check(producer.flush(30) == 0, "messages still undelivered after flush(30)")

# A consumer that never polls: only its ListOffsets requests are used (a group.id is mandatory).
consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "group.id": f"{TOPIC}-unused", "enable.auto.commit": False})
try:
    low, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10, cached=False)
    check((low, high) == (0, 10), f"watermarks should be (0, 10): ({low}, {high})")

    def by_time(ts):
        [tp] = consumer.offsets_for_times([TopicPartition(TOPIC, 0, ts)], timeout=10)
        check(tp.error is None, f"offsets_for_times({ts}): {tp.error}")
        return tp.offset

    for ts, expected, what in [
        (T0 + 3500, 4, "T0+3500 (between messages 3 and 4)"),
        (T0 + 4000, 4, "T0+4000 (message 4's own timestamp)"),
        (T0, 0, "T0 (the first message)"),
        (T0 - 60_000, 0, "before the first message"),
        (T0 + 9001, -1, "after the last message (OFFSET_END)"),
    ]:
        got = by_time(ts)
        check(got == expected, f"offsets_for_times at {what}: expected {expected}, got {got}")
finally:
    consumer.close()
print("confluent-kafka: watermarks (0, 10); by timestamp T0+3500 -> 4, after the end -> -1")
