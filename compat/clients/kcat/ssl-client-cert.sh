#!/bin/sh
# kcat over SSL with a client certificate (security.protocol=SSL, ssl.ca.location,
# ssl.certificate.location, ssl.key.location): auto-create the topic, produce 20 messages,
# consume them back; then without a client certificate the broker (ssl.client.auth=required)
# refuses the connection and metadata fails.
set -eu
: "${RUNNEL_BOOTSTRAP:?run through compat/run.ts}" "${RUNNEL_TOPIC:?}" "${RUNNEL_SSL_CA:?}" "${RUNNEL_SSL_CLIENT_CERT:?}" "${RUNNEL_SSL_CLIENT_KEY:?}"
KCAT=${KCAT:-kcat}
B=$RUNNEL_BOOTSTRAP
topic=$RUNNEL_TOPIC
fail() { echo "kcat: $*" >&2; exit 1; }

tls="-X security.protocol=SSL -X ssl.ca.location=$RUNNEL_SSL_CA"
cert="-X ssl.certificate.location=$RUNNEL_SSL_CLIENT_CERT -X ssl.key.location=$RUNNEL_SSL_CLIENT_KEY"

tries=0
# shellcheck disable=SC2086
until md=$("$KCAT" -b "$B" $tls $cert -m 10 -L -t "$topic" -J 2>&1) &&
  echo "$md" | jq -e --arg t "$topic" '.topics[] | select(.topic == $t) | .error == null and (.partitions | length) == 1 and all(.partitions[]; .leader >= 0)' >/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || fail "no metadata for $topic over SSL: $md"
  sleep 0.2
done

# shellcheck disable=SC2086
seq 1 20 | sed 's/^/ssl-/' | "$KCAT" -b "$B" $tls $cert -P -t "$topic" -X acks=all
# shellcheck disable=SC2086
got=$("$KCAT" -b "$B" $tls $cert -C -t "$topic" -o beginning -e -q -f '%s\n' -X fetch.wait.max.ms=100)
want=$(seq 1 20 | sed 's/^/ssl-/')
[ "$got" = "$want" ] || fail "expected ssl-1..ssl-20 back, got: $got"

# shellcheck disable=SC2086
if out=$("$KCAT" -b "$B" $tls -m 5 -L -J 2>&1); then
  fail "metadata without a client certificate should fail, got: $out"
fi
echo "kcat: 20 messages over SSL with a client certificate; refused without one"
