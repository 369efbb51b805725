#!/bin/sh
# kcat (librdkafka) over SASL_PLAINTEXT, or SASL_SSL (RUNNEL_SECURITY_PROTOCOL, ssl.ca.location from
# RUNNEL_SSL_CA) for sasl-ssl-plain, with PLAIN: 20 messages produced to an auto-created topic
# and consumed back as alice; with a wrong password a metadata request must fail authentication.
set -eu
. "$(dirname "$0")/_lib.sh"
N=20
PROTOCOL=${RUNNEL_SECURITY_PROTOCOL:-SASL_PLAINTEXT}
SASL="-X security.protocol=$PROTOCOL ${RUNNEL_SSL_CA:+-X ssl.ca.location=$RUNNEL_SSL_CA} -X sasl.mechanisms=PLAIN -X sasl.username=alice"
OK="$SASL -X sasl.password=alice-secret"

tries=0
until md=$("$KCAT" -b "$B" $OK -m 10 -L -t "$RUNNEL_TOPIC" -J 2>&1) &&
  echo "$md" | jq -e --arg t "$RUNNEL_TOPIC" '.topics[] | select(.topic == $t) | .error == null and (.partitions | length) == 1 and .partitions[0].leader >= 0' >/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || fail "no metadata for $RUNNEL_TOPIC as alice: $md"
  sleep 0.2
done

seq 0 $((N - 1)) | sed 's/^/v/' | "$KCAT" -b "$B" $OK -P -t "$RUNNEL_TOPIC" -X acks=all || fail "produce as alice failed"
got=$("$KCAT" -b "$B" $OK $FAST_EOF -C -t "$RUNNEL_TOPIC" -o beginning -e -f '%s\n' -m 20)
want=$(seq 0 $((N - 1)) | sed 's/^/v/')
[ "$got" = "$want" ] || fail "read back differs: $got"

if out=$("$KCAT" -b "$B" $SASL -X sasl.password=wrong-password -m 5 -L 2>&1); then
  fail "a wrong password was accepted: $out"
fi
echo "$out" | grep -qi "authentication" || fail "a wrong password failed otherwise than authentication: $out"
echo "kcat: PLAIN over $PROTOCOL as alice, $N messages produced and consumed; wrong password refused"
