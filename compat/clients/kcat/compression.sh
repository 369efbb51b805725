#!/bin/sh
# kcat: 200 messages per codec librdkafka offers (gzip, snappy, lz4, zstd), each codec into its
# own topic, read back from the beginning and compared. The values repeat a lot, so that every
# codec really shrinks them; batches of up to 200 records are compressed as one.
set -eu
. "$(dirname "$0")/_lib.sh"
N=200

for codec in gzip snappy lz4 zstd; do
  topic="$RUNNEL_TOPIC-$codec"
  wait_topic "$topic" 1
  awk -v c="$codec" 'BEGIN { for (n = 0; n < 200; n++) printf "k%d:%s %d %s\n", n % 7, c, n, "lorem ipsum dolor sit amet lorem ipsum dolor sit amet" }' |
    "$KCAT" -b "$B" -P -t "$topic" -K: -X acks=all -X compression.codec="$codec" -X linger.ms=50 ||
    fail "$codec: producing failed"
  out=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -J) || fail "$codec: consuming failed"
  echo "$out" | jq -s --arg c "$codec" --argjson n "$N" '
    [
      (if length != $n then "expected \($n) messages, got \(length)" else empty end),
      (to_entries[] | .key as $i | .value |
        select(.offset != $i or .key != "k\($i % 7)" or .payload != "\($c) \($i) lorem ipsum dolor sit amet lorem ipsum dolor sit amet") |
        "message \($i) came back as offset \(.offset) key \(.key) value \(.payload)")
    ]' | report "$codec ($topic)"
  echo "kcat: $codec: $N messages intact"
done
echo "kcat: gzip, snappy, lz4 and zstd round-trip"
