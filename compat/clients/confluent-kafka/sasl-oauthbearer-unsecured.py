"""confluent-kafka: SASL/OAUTHBEARER with librdkafka's own unsigned development token
(enable.sasl.oauthbearer.unsecure.jwt, sasl.oauthbearer.config) against Kafka's unsecured
validator requiring scope kafka: produce and consume 10 messages; a token without the scope is
refused (insufficient_scope)."""
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, fail


def sasl(config):
    return {
        "bootstrap.servers": BOOTSTRAP,
        "client.id": CLIENT_ID,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": "OAUTHBEARER",
        "enable.sasl.oauthbearer.unsecure.jwt": True,
        "sasl.oauthbearer.config": config,
    }


GOOD = "principal=alice scope=kafka,other"
producer = Producer(sasl(GOOD))
for i in range(10):
    producer.produce(TOPIC, value=f"v{i}")
check(producer.flush(30) == 0, "10 messages should be delivered")

consumer = Consumer({**sasl(GOOD), "group.id": f"{TOPIC}-g", "auto.offset.reset": "earliest"})
consumer.subscribe([TOPIC])
seen = []
for _ in range(300):
    m = consumer.poll(0.1)
    if m is None:
        if len(seen) == 10:
            break
        continue
    if m.error():
        fail(f"consume: {m.error()}")
    seen.append(m.value().decode())
consumer.close()
check(seen == [f"v{i}" for i in range(10)], f"consumed {seen}")

errors = []
bad = AdminClient({**sasl("principal=alice scope=other"), "error_cb": errors.append})
try:
    bad.list_topics(timeout=5)
    fail("a token without scope kafka should be refused, but list_topics() answered")
except KafkaException as e:
    errors.append(e.args[0])
bad.poll(1)  # serves error_cb
auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION or "insufficient_scope" in e.str()]
check(auth, f"expected an authentication error, got {[e.str() for e in errors]}")

print("confluent-kafka: OAUTHBEARER unsecured token produced and consumed 10 messages; a token without the required scope refused")
