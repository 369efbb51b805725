"""kafka-python over SSL with a client certificate (ssl_cafile, ssl_certfile, ssl_keyfile):
create the topic, produce 20 messages, consume them back (assigned partition, no group);
without a client certificate the broker (ssl.client.auth=required) refuses the connection and
the client finds no broker."""
import os
import ssl
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError

BOOTSTRAP = os.environ["RUNNEL_BOOTSTRAP"]
TOPIC = os.environ["RUNNEL_TOPIC"]
TLS = {"bootstrap_servers": BOOTSTRAP, "security_protocol": "SSL", "ssl_cafile": os.environ["RUNNEL_SSL_CA"]}
CERT = {"ssl_certfile": os.environ["RUNNEL_SSL_CLIENT_CERT"], "ssl_keyfile": os.environ["RUNNEL_SSL_CLIENT_KEY"]}


def fail(message):
    sys.exit(f"kafka-python: {message}")


admin = KafkaAdminClient(**TLS, **CERT)
admin.create_topics([NewTopic(TOPIC, 1, 1)])
admin.close()

producer = KafkaProducer(**TLS, **CERT, acks="all")
for i in range(1, 21):
    producer.send(TOPIC, f"ssl-{i}".encode())
producer.flush(15)
producer.close()

consumer = KafkaConsumer(**TLS, **CERT, enable_auto_commit=False, consumer_timeout_ms=5000)
tp = TopicPartition(TOPIC, 0)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
got = []
for m in consumer:
    got.append(m.value.decode())
    if len(got) >= 20:
        break
consumer.close()
if got != [f"ssl-{i}" for i in range(1, 21)]:
    fail(f"expected ssl-1..ssl-20 back, got {got}")

try:
    c = KafkaConsumer(**TLS, request_timeout_ms=5000, api_version_auto_timeout_ms=5000)
    topics = c.topics()
    fail(f"a consumer without a client certificate should find no broker, got topics {topics}")
except (KafkaError, ssl.SSLError) as e:
    # kafka-python lets the TLS alert (certificate required) through from its version check.
    print(f"kafka-python: refused without a client certificate: {e!r}")
print("kafka-python: 20 messages over SSL with a client certificate; refused without one")
