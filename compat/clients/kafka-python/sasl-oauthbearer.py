"""kafka-python: SASL/OAUTHBEARER with a sasl_oauth_token_provider returning a signed token; produce
and consume through it; a token for another audience and an expired one are refused."""
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import AuthenticationFailedError
from kafka.oauth.abstract import AbstractTokenProvider

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, fail
from oauth_token import oauth_token


class Provider(AbstractTokenProvider):
    def __init__(self, **opts):
        super().__init__()
        self.opts = opts

    def token(self):
        return oauth_token(**self.opts)[0]


def sasl(**opts):
    return {
        "bootstrap_servers": BOOTSTRAP,
        "client_id": CLIENT_ID,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "OAUTHBEARER",
        "sasl_oauth_token_provider": Provider(**opts),
    }


admin = KafkaAdminClient(**sasl())
admin.create_topics([NewTopic(TOPIC, 1, 1)])
admin.close()

producer = KafkaProducer(**sasl())
for i in range(10):
    producer.send(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode())
producer.flush(30)
producer.close()

consumer = KafkaConsumer(TOPIC, group_id=f"{TOPIC}-g", auto_offset_reset="earliest", consumer_timeout_ms=15000, **sasl())
seen = []
for m in consumer:
    seen.append(m.value.decode())
    if len(seen) == 10:
        break
consumer.close()
check(seen == [f"v{i}" for i in range(10)], f"consumed {seen}")

for what, opts in (("a token for another audience", {"audience": "someone-else"}), ("an expired token", {"expires_in": -3600})):
    try:
        bad = KafkaAdminClient(**sasl(**opts), request_timeout_ms=5000)
        bad.close()
        fail(f"{what} should be refused, but the admin client connected")
    except AuthenticationFailedError as e:
        # kafka-python (SaslHandshake v0, raw tokens) fails on the server's invalid_token challenge.
        print(f"kafka-python: {what} refused: {e}")

print("kafka-python: OAUTHBEARER via sasl_oauth_token_provider produced and consumed 10 messages; wrong audience and expired tokens refused")
