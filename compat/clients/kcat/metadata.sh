#!/bin/sh
# kcat: ask for a new topic's metadata (auto-creating it), then list all topics, in JSON.
# librdkafka negotiates ApiVersions on connect and retries the LEADER_NOT_AVAILABLE of the
# first answer for a new topic. Needs jq to read the JSON.
set -eu
: "${RUNNEL_BOOTSTRAP:?run through compat/run.ts}" "${RUNNEL_TOPIC:?}"
KCAT=${KCAT:-kcat}
NODE_ID=${RUNNEL_NODE_ID:-1}
topic=$RUNNEL_TOPIC

fail() { echo "kcat: $*" >&2; exit 1; }

# The topic's own metadata: retried by hand too, as a user waiting for a new topic would.
tries=0
until md=$("$KCAT" -b "$RUNNEL_BOOTSTRAP" -m 10 -L -t "$topic" -J) &&
  echo "$md" | jq -e --arg t "$topic" '.topics[] | select(.topic == $t) | (.error == null and (.partitions | length) > 0)' >/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 10 ] || fail "no metadata for $topic after $tries tries: $md"
  sleep 0.2
done

all=$("$KCAT" -b "$RUNNEL_BOOTSTRAP" -m 10 -L -J)
echo "$all" | jq -e --arg t "$topic" --argjson id "$NODE_ID" '
  .topics[] | select(.topic == $t) | .error == null and ([.partitions[] | [.partition, .leader]] == [[0, $id]])' >/dev/null ||
  fail "$topic should be listed with 1 partition led by node $NODE_ID: $all"
echo "$all" | jq -e --arg b "$RUNNEL_BOOTSTRAP" --argjson id "$NODE_ID" '
  .brokers == [{"id": $id, "name": $b}] and .controllerid == $id' >/dev/null ||
  fail "brokers should be [$NODE_ID $RUNNEL_BOOTSTRAP] with controller $NODE_ID: $all"

echo "kcat: $topic has 1 partition led by node $NODE_ID at $RUNNEL_BOOTSTRAP"
