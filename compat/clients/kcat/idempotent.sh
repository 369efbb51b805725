#!/bin/sh
# kcat: 500 messages produced with -X enable.idempotence=true (librdkafka: InitProducerId, then
# Produce with producer id, epoch and sequence numbers; small batches, so that there are several)
# into an auto-created 1-partition topic, read back from the beginning: each exactly once, in
# order, at offsets 0..499.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
N=500

wait_topic "$topic" 1
seq 0 $((N - 1)) |
  "$KCAT" -b "$B" -P -t "$topic" -X enable.idempotence=true -X batch.num.messages=20 -X linger.ms=5 ||
  fail "idempotent produce failed"

out=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -J) || fail "consuming failed"
echo "$out" | jq -s --argjson n "$N" '
  [
    (if length != $n then "expected \($n) messages, got \(length)" else empty end),
    (to_entries[] | select(.value.payload != "\(.key)" or .value.offset != .key) |
      "message \(.key): value \(.value.payload) at offset \(.value.offset), expected \(.key) at \(.key)")
  ]' | report "$topic"

echo "kcat: $N messages from an idempotent producer came back exactly once, in order"
