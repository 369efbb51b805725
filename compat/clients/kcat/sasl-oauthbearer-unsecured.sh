#!/bin/sh
# kcat: SASL/OAUTHBEARER with librdkafka's own unsigned development token
# (enable.sasl.oauthbearer.unsecure.jwt, sasl.oauthbearer.config) against Kafka's unsecured
# validator requiring scope kafka: produce and consume 10 messages; a token without the scope is
# refused.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
SASL="-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=OAUTHBEARER -X enable.sasl.oauthbearer.unsecure.jwt=true"

# shellcheck disable=SC2086
seq 0 9 | sed 's/^/v/' | "$KCAT" -b "$B" $SASL -X "sasl.oauthbearer.config=principal=alice scope=kafka" -P -t "$topic" -m 20 ||
  fail "producing with a scoped unsecured token failed"
# shellcheck disable=SC2086
got=$("$KCAT" -b "$B" $SASL -X "sasl.oauthbearer.config=principal=alice scope=kafka" $FAST_EOF -C -t "$topic" -o beginning -e -q -m 20 | tr '\n' ' ')
[ "$got" = "v0 v1 v2 v3 v4 v5 v6 v7 v8 v9 " ] || fail "consumed '$got', expected v0..v9"

# shellcheck disable=SC2086
if out=$("$KCAT" -b "$B" $SASL -X "sasl.oauthbearer.config=principal=alice scope=other" -L -m 5 2>&1); then
  fail "a token without scope kafka should be refused: $out"
fi
echo "$out" | grep -qi "insufficient_scope\|authentication" || fail "expected an authentication error, got: $out"

echo "kcat: OAUTHBEARER unsecured token produced and consumed 10 messages; a token without the required scope refused"
