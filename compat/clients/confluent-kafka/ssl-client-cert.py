"""confluent-kafka over SSL with a client certificate: create the topic, produce 20 messages,
consume them back (assigned partition, no group); without a client certificate the broker
(ssl.client.auth=required) refuses the connection and list_topics fails."""
import os
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BOOTSTRAP = os.environ["RUNNEL_BOOTSTRAP"]
TOPIC = os.environ["RUNNEL_TOPIC"]
TLS = {"bootstrap.servers": BOOTSTRAP, "security.protocol": "SSL", "ssl.ca.location": os.environ["RUNNEL_SSL_CA"]}
CERT = {"ssl.certificate.location": os.environ["RUNNEL_SSL_CLIENT_CERT"], "ssl.key.location": os.environ["RUNNEL_SSL_CLIENT_KEY"]}


def fail(message):
    sys.exit(f"confluent-kafka: {message}")


admin = AdminClient({**TLS, **CERT})  # kept referenced: a collected client cancels its futures
admin.create_topics([NewTopic(TOPIC, 1, 1)], request_timeout=15)[TOPIC].result()

producer = Producer({**TLS, **CERT, "acks": "all"})
for i in range(1, 21):
    producer.produce(TOPIC, value=f"ssl-{i}".encode())
if producer.flush(15) != 0:
    fail("messages left unsent after 15 s")

consumer = Consumer({**TLS, **CERT, "group.id": f"{TOPIC}-unused", "enable.auto.commit": False})
consumer.assign([TopicPartition(TOPIC, 0, OFFSET_BEGINNING)])
got = []
for _ in range(150):
    if len(got) >= 20:
        break
    m = consumer.poll(0.1)
    if m is not None and m.error() is None:
        got.append(m.value().decode())
consumer.close()
if got != [f"ssl-{i}" for i in range(1, 21)]:
    fail(f"expected ssl-1..ssl-20 back, got {got}")

try:
    md = AdminClient(TLS).list_topics(timeout=5)
    fail(f"list_topics without a client certificate should fail, got brokers {md.brokers}")
except KafkaException:
    pass
print("confluent-kafka: 20 messages over SSL with a client certificate; refused without one")
