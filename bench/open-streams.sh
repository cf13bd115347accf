#!/usr/bin/env bash
# Many streams open at once through one gateway with full accounting: the gateway's live heap (after a full GC) before,
# at several counts of open streams, and after they all ended; time to the first chunk while they pile up; the ledger
# verified at the end. Usage and knobs: bench/README.md ("bench/open-streams.sh"). Everything runs on 127.0.0.1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

STREAMS="${STREAMS:-9000}"               # streams open at once at the peak (each takes two of the gateway's descriptors)
OPEN_PER_SECOND="${OPEN_PER_SECOND:-300}" # how fast they are opened
STREAM_SECONDS="${STREAM_SECONDS:-120}"  # each stream: one token a second for this long
PORT_BASE="${PORT_BASE:-18300}"          # simulated upstreams +1..+5, gateway +3 is taken from the config: keep 18303 free
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:--Xmx2g}"
KEEP_RUN_DIR="${KEEP_RUN_DIR:-0}"

log() { printf '[streams %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in java jcmd node curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
need=$((STREAMS * 2 + 500))
[ "$(ulimit -n)" -ge "$need" ] || log "warning: ulimit -n is $(ulimit -n); $STREAMS streams need about $need descriptors in the gateway"

RUN="$(mktemp -d /tmp/tollgate-streams.XXXXXX)"
PIDS=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 2
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$KEEP_RUN_DIR" = 1 ]; then log "kept $RUN"; else rm -rf "$RUN"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building target/tollgate.jar when stale (./tollgate --version)"
"$root/tollgate" --version >/dev/null || die "the build failed"
cp -p "$root/target/tollgate.jar" "$RUN/tollgate.jar"
JAR="$RUN/tollgate.jar"
cli() { java -jar "$JAR" "$@"; }

wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

for i in 1 2 3 4 5; do
  port=$((PORT_BASE + 10 + i))
  java -Xmx1g -jar "$JAR" mock-upstream --port "$port" >"$RUN/mock-$i.log" 2>&1 &
  PIDS+=("$!")
  export "BENCH_MOCK_PORT_$i=$port"
done
for i in 1 2 3 4 5; do
  port=$((PORT_BASE + 10 + i))
  wait_http "http://127.0.0.1:$port/v1/models" 60 || die "simulated upstream $i did not start: $(tail -5 "$RUN/mock-$i.log")"
done
export BENCH_UPSTREAM_KEY="bench-upstream-key"
log "five simulated upstreams on :$((PORT_BASE + 11))..:$((PORT_BASE + 15))"

data="$RUN/data"
mkdir -p "$data"
admin="$(cli init --data "$data" --config "$RUN/unused.yaml" | sed -n 's/^Admin token.*: //p')"
account="$(cli accounts create streams --data "$data" | cut -f1)"
project="$(cli projects create --account "$account" streams --data "$data" | cut -f1)"
key="$(cli keys create --project "$project" --route-types routed --data "$data" | sed -n 's/^Secret.*: //p')"
[[ "$key" == tg-* ]] || die "keys create printed no secret"
# shellcheck disable=SC2086
java $GATEWAY_JAVA_OPTS -jar "$JAR" serve --config "$here/tollgate-streams.yaml" --data "$data" >"$RUN/gateway.log" 2>&1 &
gw=$!
PIDS+=("$gw")
wait_http "http://127.0.0.1:18303/readyz" 60 || die "the gateway did not start: $(tail -20 "$RUN/gateway.log")"
status="$(curl -s -o "$RUN/topup.json" -w '%{http_code}' -X POST "http://127.0.0.1:18303/admin/accounts/$account/topups" \
  -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"bucket":"RMB","amount":"1000000","idempotency_key":"streams"}')"
[ "$status" = 201 ] || die "top-up answered $status: $(cat "$RUN/topup.json")"
log "gateway pid $gw; warming up with 200 short streams"
warm=()
for i in $(seq 1 200); do
  curl -s -o /dev/null -X POST http://127.0.0.1:18303/v1/chat/completions -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -H 'x-mock: tokens=20' \
    -d "{\"model\":\"stream-$(( (i % 5) + 1 ))\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" &
  warm+=("$!")
  if [ $((i % 20)) = 0 ]; then wait "${warm[@]}"; warm=(); fi
done

log "opening $STREAMS streams at $OPEN_PER_SECOND a second, each $STREAM_SECONDS s long"
GATEWAY_URL=http://127.0.0.1:18303 GATEWAY_KEY="$key" GATEWAY_PID="$gw" STREAMS="$STREAMS" OPEN_PER_SECOND="$OPEN_PER_SECOND" \
  STREAM_SECONDS="$STREAM_SECONDS" node "$here/open-streams.mjs" | tee "$RUN/events.jsonl" >&2

kill -TERM "$gw"
wait "$gw" 2>/dev/null || true
log "ledger verify:"
cli ledger verify --data "$data" >&2 || die "the ledger did not verify"
grep -E '"event":"(heap|summary|all_open)"' "$RUN/events.jsonl"
