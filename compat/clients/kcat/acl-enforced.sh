#!/bin/sh
# kcat (librdkafka) against StandardAuthorizer (SASL_PLAINTEXT, PLAIN). kcat has no admin API: admin
# auto-creates the topic through Metadata (the super user may CREATE) and the grants (alice: WRITE,
# READ, DESCRIBE on the topic, READ on her group) come from compat/lib/acl-grant.ts (kafkajs'
# createAcls as admin). alice produces 10 messages and reads them back in her group (-G); bob's
# produce, consume and topic metadata are refused with TOPIC_/GROUP_AUTHORIZATION_FAILED and his
# metadata for all topics omits the topic.
set -eu
. "$(dirname "$0")/_lib.sh"
N=10
T=$RUNNEL_TOPIC
G="$T-g"
repo=$(cd "$(dirname "$0")/../../.." && pwd)
as() { echo "-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN -X sasl.username=$1 -X sasl.password=$1-secret"; }

tries=0
until md=$("$KCAT" -b "$B" $(as admin) -m 10 -L -t "$T" -J 2>&1) &&
  echo "$md" | jq -e --arg t "$T" '.topics[] | select(.topic == $t) | .error == null and (.partitions | length) == 1 and .partitions[0].leader >= 0' >/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || fail "admin could not auto-create $T: $md"
  sleep 0.2
done
granted=$(cd "$repo" && node --import tsx compat/lib/acl-grant.ts "$B" "$T" "$G" 2>&1) || fail "creating the ACLs as admin failed: $granted"

# alice: allowed.
seq 0 $((N - 1)) | sed 's/^/v/' | "$KCAT" -b "$B" $(as alice) -P -t "$T" -X acks=all || fail "alice's produce failed"
got=$(timeout 30 "$KCAT" -b "$B" $(as alice) $FAST_EOF -G "$G" -X auto.offset.reset=earliest -c $N -f '%s\n' "$T" 2>/dev/null) ||
  fail "alice's group consumer failed or timed out (read: $got)"
want=$(seq 0 $((N - 1)) | sed 's/^/v/')
[ "$got" = "$want" ] || fail "messages alice read back differ: $got"
"$KCAT" -b "$B" $(as alice) -m 10 -L -J | jq -e --arg t "$T" '[.topics[].topic] | index($t) != null' >/dev/null ||
  fail "alice's metadata lacks the topic she may describe"

# bob: refused.
if out=$(echo bob | "$KCAT" -b "$B" $(as bob) -m 10 -P -t "$T" -X acks=all -X message.timeout.ms=10000 2>&1); then
  fail "bob produced to a topic he has no WRITE on: $out"
fi
echo "$out" | grep -qi "topic authorization failed\|TOPIC_AUTHORIZATION_FAILED" || fail "bob's produce was refused otherwise: $out"
if out=$(timeout 30 "$KCAT" -b "$B" $(as bob) $FAST_EOF -G "$G" -X auto.offset.reset=earliest -c 1 "$T" 2>&1); then
  fail "bob consumed from a topic he has no READ on: $out"
fi
echo "$out" | grep -qi "authorization failed\|AUTHORIZATION_FAILED" || fail "bob's consume was refused otherwise: $out"
consume_refusal=$(echo "$out" | grep -io "[a-z]* authorization failed" | head -1)
md=$("$KCAT" -b "$B" $(as bob) -m 10 -L -t "$T" -J 2>&1) || true
echo "$md" | jq -e --arg t "$T" '.topics[] | select(.topic == $t) | .error | test("authoriz"; "i")' >/dev/null ||
  fail "bob's metadata for the topic was not refused: $md"
md=$("$KCAT" -b "$B" $(as bob) -m 10 -L -J 2>&1) || fail "bob's metadata for all topics failed: $md"
echo "$md" | jq -e --arg t "$T" '[.topics[].topic] | index($t) == null' >/dev/null ||
  fail "bob's metadata for all topics lists a topic he may not describe: $md"
echo "kcat: alice produced and consumed $N messages in group $G; bob refused: produce (topic authorization failed), consume ($consume_refusal), describe, and the topic is not listed"
