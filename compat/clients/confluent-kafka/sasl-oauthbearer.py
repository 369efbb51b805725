"""confluent-kafka: SASL/OAUTHBEARER with an oauth_cb returning a signed token; produce and consume
through it; a token for another audience and one from another issuer are refused (librdkafka
itself refuses to send an expired token)."""
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, fail
from oauth_token import oauth_token


def sasl(**token_opts):
    return {
        "bootstrap.servers": BOOTSTRAP,
        "client.id": CLIENT_ID,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": "OAUTHBEARER",
        "oauth_cb": lambda _config: oauth_token(**token_opts),
    }


admin = AdminClient(sasl())
# librdkafka asks for the token through oauth_cb, which Python serves only in poll().
admin.poll(1)
admin.create_topics([NewTopic(TOPIC, 1, 1)], request_timeout=15)[TOPIC].result()

producer = Producer(sasl())
producer.poll(1)
for i in range(10):
    producer.produce(TOPIC, key=f"k{i}", value=f"v{i}")
check(producer.flush(30) == 0, "10 messages should be delivered")

consumer = Consumer({**sasl(), "group.id": f"{TOPIC}-g", "auto.offset.reset": "earliest"})
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

for what, opts in (("a token for another audience", {"audience": "someone-else"}), ("a token from another issuer", {"issuer": "https://evil.example"})):
    errors = []
    bad = AdminClient({**sasl(**opts), "error_cb": errors.append})
    bad.poll(1)
    try:
        bad.list_topics(timeout=5)
        fail(f"{what} should be refused, but list_topics() answered")
    except KafkaException as e:
        errors.append(e.args[0])
    bad.poll(1)  # serves error_cb
    auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION or "invalid_token" in e.str()]
    check(auth, f"{what}: expected an authentication error, got {[e.str() for e in errors]}")

print("confluent-kafka: OAUTHBEARER via oauth_cb produced and consumed 10 messages; wrong audience and wrong issuer tokens refused")
