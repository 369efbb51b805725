#!/bin/sh
# kcat: SCRAM-SHA-512 over SASL_PLAINTEXT, or SASL_SSL (RUNNEL_SECURITY_PROTOCOL, ssl.ca.location from
# RUNNEL_SSL_CA) for sasl-ssl-scram, against a user created with `runnel configs`
# (compat/lib/scram-user.sh): produce 20 messages and consume them back; the same user with a
# wrong password is refused (SASL authentication error, nothing produced). librdkafka 2.0.2 sends
# the client-final nonce of librdkafka < 2.6.1, which Runnel accepts as Kafka 3.8.1-3.9 do.
set -eu
: "${RUNNEL_BOOTSTRAP:?run through compat/run.ts}" "${RUNNEL_TOPIC:?}"
KCAT=${KCAT:-kcat}
topic=$RUNNEL_TOPIC
user="kcat-$topic"
password="kcat-secret-$$"
fail() { echo "kcat: $*" >&2; exit 1; }
PROTOCOL=${RUNNEL_SECURITY_PROTOCOL:-SASL_PLAINTEXT}
SEC="-X security.protocol=$PROTOCOL ${RUNNEL_SSL_CA:+-X ssl.ca.location=$RUNNEL_SSL_CA}"

out=$("$(dirname "$0")/../../lib/scram-user.sh" "$user" SCRAM-SHA-512 "$password" 2>&1) || fail "runnel configs failed: $out"

seq 1 20 | sed 's/^/m/' | "$KCAT" -b "$RUNNEL_BOOTSTRAP" -m 15 $SEC -X sasl.mechanisms=SCRAM-SHA-512 \
  -X sasl.username="$user" -X sasl.password="$password" -t "$topic" -P -X topic.request.required.acks=-1 || fail "producing with SCRAM-SHA-512 failed"
got=$("$KCAT" -b "$RUNNEL_BOOTSTRAP" -m 15 $SEC -X sasl.mechanisms=SCRAM-SHA-512 \
  -X sasl.username="$user" -X sasl.password="$password" -t "$topic" -C -o beginning -e -q | tr '\n' ' ')
[ "$got" = "$(seq 1 20 | sed 's/^/m/' | tr '\n' ' ')" ] || fail "consumed '$got', expected m1..m20"

if err=$("$KCAT" -b "$RUNNEL_BOOTSTRAP" -m 8 $SEC -X sasl.mechanisms=SCRAM-SHA-512 \
  -X sasl.username="$user" -X sasl.password="not-$password" -L 2>&1); then
  fail "a wrong password was accepted: $err"
fi
echo "$err" | grep -q "SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512" ||
  fail "a wrong password should fail SASL authentication: $err"
echo "kcat: over $PROTOCOL, SCRAM-SHA-512 user $user produced and consumed 20 messages; a wrong password was refused"
