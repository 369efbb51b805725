#!/bin/sh
# kcat: one 900 KiB message of random bytes, produced from a file (a file argument without -l is
# sent as one message) and read back byte for byte. librdkafka's message.max.bytes (default
# 1000000) and the consumer's fetch.message.max.bytes (1 MiB) are raised anyway, as a user
# sending large messages would; the broker's message.max.bytes is 1048588.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
SIZE=921600

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
head -c "$SIZE" /dev/urandom >"$dir/in"

wait_topic "$topic" 1
"$KCAT" -b "$B" -P -t "$topic" -k big -X acks=all -X message.max.bytes=2000000 "$dir/in" || fail "producing $SIZE bytes failed"
"$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -c 1 -X fetch.message.max.bytes=2000000 -f '%s' >"$dir/out" ||
  fail "consuming failed"
got=$(wc -c <"$dir/out")
[ "$got" -eq "$SIZE" ] || fail "expected $SIZE bytes back, got $got"
cmp -s "$dir/in" "$dir/out" || fail "the $SIZE bytes came back different"
meta=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -c 1 -X fetch.message.max.bytes=2000000 -f '%k %S %o\n')
[ "$meta" = "big $SIZE 0" ] || fail "expected key big, $SIZE bytes at offset 0, got: $meta"
echo "kcat: a $SIZE-byte message round-trips intact"
