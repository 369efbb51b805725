"""kafka-python against StandardAuthorizer (SASL_PLAINTEXT, PLAIN): admin creates the topic and, with
KafkaAdminClient.create_acls(), grants alice WRITE, READ and DESCRIBE on it and READ on her group;
alice produces 10 messages and reads them back in that group; bob's send() (its metadata, see below) and
poll() are refused with TopicAuthorizationFailedError / GroupAuthorizationFailedError, describe_topics() answers the topic with
TOPIC_AUTHORIZATION_FAILED (29) and list_topics() omits it."""
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, NewTopic, ResourcePattern,
                         ResourceType)
from kafka.errors import GroupAuthorizationFailedError, KafkaTimeoutError, TopicAuthorizationFailedError

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, fail

N = 10
GROUP = f"{TOPIC}-g"


def conf(user):
    return {"bootstrap_servers": BOOTSTRAP, "client_id": CLIENT_ID, "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN", "sasl_plain_username": user, "sasl_plain_password": f"{user}-secret"}


admin = KafkaAdminClient(**conf("admin"))
admin.create_topics([NewTopic(TOPIC, 1, 1)], timeout_ms=15000)
grants = [ACL("User:alice", "*", op, ACLPermissionType.ALLOW, ResourcePattern(ResourceType.TOPIC, TOPIC, ACLResourcePatternType.LITERAL))
          for op in (ACLOperation.WRITE, ACLOperation.READ, ACLOperation.DESCRIBE)]
grants.append(ACL("User:alice", "*", ACLOperation.READ, ACLPermissionType.ALLOW, ResourcePattern(ResourceType.GROUP, GROUP, ACLResourcePatternType.LITERAL)))
result = admin.create_acls(grants)
check(not result["failed"] and len(result["succeeded"]) == 4, f"creating the ACLs as admin failed: {result}")
admin.close()

# alice: allowed.
producer = KafkaProducer(acks="all", **conf("alice"))
for i in range(N):
    producer.send(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode())
producer.flush(15)
producer.close()
consumer = KafkaConsumer(TOPIC, group_id=GROUP, auto_offset_reset="earliest", fetch_max_wait_ms=100,
                         consumer_timeout_ms=20000, **conf("alice"))
got = []
for m in consumer:
    got.append(m.value.decode())
    if len(got) == N:
        break
consumer.close()
check(got == [f"v{i}" for i in range(N)], f"messages alice read back differ: {got}")
alice_admin = KafkaAdminClient(**conf("alice"))
check(TOPIC in alice_admin.list_topics(), "alice's metadata lacks the topic she may describe")
alice_admin.close()

# bob: refused.
# kafka-python 2.0.2 never raises TopicAuthorizationFailedError from send() when it asked for that one
# topic: ClusterMetadata.update_metadata() fails the update with the error instead of recording the
# topic as unauthorized, and _wait_on_metadata() retries until max_block_ms (KafkaTimeoutError). So
# the refusal is read where the client receives it, the metadata update's failure.
bp = KafkaProducer(acks="all", max_block_ms=5000, **conf("bob"))
metadata_failures = []
failed_update = bp._metadata.failed_update
bp._metadata.failed_update = lambda e: (metadata_failures.append(e), failed_update(e))[1]
try:
    bp.send(TOPIC, value=b"bob").get(timeout=15)
    fail("bob produced to a topic he has no WRITE on")
except (TopicAuthorizationFailedError, KafkaTimeoutError) as e:
    produce_refusal = e
bp.close()
check(isinstance(produce_refusal, TopicAuthorizationFailedError) or any(isinstance(e, TopicAuthorizationFailedError) for e in metadata_failures),
      f"bob's produce was refused otherwise than with TopicAuthorizationFailedError: {produce_refusal!r}, metadata failures {metadata_failures}")

bc = KafkaConsumer(TOPIC, group_id=GROUP, auto_offset_reset="earliest", fetch_max_wait_ms=100, **conf("bob"))
consume_refusal = None
deadline = time.time() + 20
while consume_refusal is None and time.time() < deadline:
    try:
        if any(bc.poll(timeout_ms=500).values()):
            fail("bob consumed a message from a topic he has no READ on")
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError) as e:
        consume_refusal = e
bc.close()
check(consume_refusal is not None, "bob's consumer was not refused within 20 s")

bob_admin = KafkaAdminClient(**conf("bob"))
described = bob_admin.describe_topics([TOPIC])
check([t["error_code"] for t in described if t["topic"] == TOPIC] == [TopicAuthorizationFailedError.errno],
      f"bob's metadata for the topic was not refused: {described}")
check(TOPIC not in bob_admin.list_topics(), "bob's metadata for all topics lists a topic he may not describe")
bob_admin.close()
print(f"kafka-python: alice produced and consumed {N} messages; bob refused: produce (metadata: {type(metadata_failures[0]).__name__ if metadata_failures else type(produce_refusal).__name__}), "
      f"consume ({type(consume_refusal).__name__}), describe (error 29), and the topic is not listed")
