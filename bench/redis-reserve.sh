#!/usr/bin/env bash
# The Lua reservation's throughput against ONE hot counter (a route limit every account shares), from 1 client and
# from 3 concurrent clients (3 gateway processes), plus 3 processes x 16 connections to find Redis's ceiling.
# Starts its own redis-server on a free port (nothing on disk), never touches the Redis on 6379.
# Usage: bench/redis-reserve.sh [requests per run, default 200000]
set -euo pipefail
N=${1:-200000}
HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPTS="$HERE/../src/main/resources/io/tollgate/redis"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do :; done
# as the gateway loads it (Script.load): the shared functions, then the script
SHA=$(redis-cli -p "$PORT" SCRIPT LOAD "$(cat "$SCRIPTS/common.lua"; echo; cat "$SCRIPTS/reserve.lua")")
# the source "bench" has been rebuilt at seq 0; every hold below has seq 1 and a random id (-r), so each call takes the
# full path: check the epoch, compare the hot route counter and the wallet to their caps, add, record the hold
redis-cli -p "$PORT" HSET b:epoch id bench src:bench 0 >/dev/null
redis-cli -p "$PORT" HSET "b:c:wallet|acct|RMB" cap 9007199254740992 >/dev/null
reserve=(EVALSHA "$SHA" 5 b:epoch b:holds "b:h:__rand_int__" "b:c:route-limit|operator|2026-12-03" "b:c:wallet|acct|RMB"
  bench 1 "__rand_int__" 9999999999999 1 9007199254740992 172800000 1 -1 0)

rps() { # clients, processes
  local clients=$1 procs=$2 out total=0
  out=$(mktemp -d)
  for p in $(seq 1 "$procs"); do
    redis-benchmark -p "$PORT" -c "$clients" -n $((N / procs)) -r 100000000 -q "${reserve[@]}" >"$out/$p" 2>&1 &
  done
  wait $(jobs -p | grep -v "^$SERVER$") 2>/dev/null || true
  for p in $(seq 1 "$procs"); do
    total=$(python3 - "$out/$p" "$total" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace('\r', '\n')
found = re.findall(r'([0-9.]+) requests per second', text)
if not found:
    sys.exit('redis-benchmark said: ' + text[-300:])
print(round(float(sys.argv[2]) + float(found[-1])))
PY
)
  done
  rm -r "$out"
  echo "$total"
}

echo "reserve.lua on one hot counter (+ wallet), $N reservations per run, redis $(redis-server --version | grep -o 'v=[^ ]*')"
echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %12s\n' "clients" "reservations/s"
printf '%-34s %12s\n' "1 process x 1 connection" "$(rps 1 1)"
printf '%-34s %12s\n' "3 processes x 1 connection" "$(rps 1 3)"
printf '%-34s %12s\n' "3 processes x 16 connections" "$(rps 16 3)"
echo "held on the hot counter afterwards: $(redis-cli -p "$PORT" HGET 'b:c:route-limit|operator|2026-12-03' held)"
