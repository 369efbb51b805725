#!/bin/sh
# Creates a SCRAM user as an operator would: `runnel configs --alter --entity-type users` on the
# broker's PLAINTEXT listener (RUNNEL_ADMIN_BOOTSTRAP), before any SASL client connects.
# Usage: scram-user.sh USER MECHANISM PASSWORD [ITERATIONS]
set -eu
: "${RUNNEL_ADMIN_BOOTSTRAP:?run through compat/run.ts (the sasl-scram scenario sets it)}"
repo=$(cd "$(dirname "$0")/../.." && pwd)
exec node "$repo/bin/runnel.js" configs --bootstrap-server "$RUNNEL_ADMIN_BOOTSTRAP" --alter \
  --entity-type users --entity-name "$1" --add-config "$2=[iterations=${4:-8192},password=$3]"
