#!/usr/bin/env bash
# Requests/s of 1 and 3 `tollgate serve` processes on one PostgreSQL (and one private Redis) against ONE operator-wide
# route limit, and how long their write transactions wait for and hold the journal's advisory lock: what serializes
# the cluster. Usage and every knob: bench/README.md ("bench/scale-out.sh"). Everything runs on 127.0.0.1 (PostgreSQL
# where PG_URL says) and stops by itself; each cluster size gets a schema of its own, dropped at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

PROCS="${PROCS:-1 3}"                  # the cluster sizes measured, one after the other
ROUNDS="${ROUNDS:-3}"                  # measured runs per cluster size; figures are medians, with min and max
DURATION="${DURATION:-15}"             # seconds per measured run
WARMUP="${WARMUP:-30}"                 # seconds of load before the measured runs of each cluster size
CONNS="${CONNS:-48}"                   # connections in all, split evenly over the KEYS wrk processes
KEYS="${KEYS:-3}"                      # accounts, one key each, one wrk each: each its own wallet, one route limit
REDIS="${REDIS:-1}"                    # 1: the processes share a private redis-server too; 0: PostgreSQL alone
LIMIT_PER="${LIMIT_PER:-}"             # empty: ONE route limit counter every account shares (the hot row); account: one per account
PG_URL="${PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}" # the database; a schema per cluster size is made in it
PG_USER="${PG_USER:-postgres}"
PORT_BASE="${PORT_BASE:-18500}"        # upstream +1, redis +2, gateway n +10+n
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:--Xmx512m}"
OUT="${OUT:-$here/scale-out-last-run.md}"
KEEP_RUN_DIR="${KEEP_RUN_DIR:-0}"

for n in ROUNDS DURATION WARMUP CONNS KEYS REDIS PORT_BASE; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "error: $n=${!n} (expected: a whole number)" >&2; exit 2; }
done
[ "$KEYS" -ge 1 ] && [ "$CONNS" -ge "$KEYS" ] || { echo "error: CONNS=$CONNS, KEYS=$KEYS (expected: KEYS >= 1, CONNS >= KEYS)" >&2; exit 2; }

log() { printf '[scale-out %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------- tools
need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
if [ "$REDIS" = 1 ]; then
  command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing ${need_apt[*]} from Debian's packages"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# psql's URL from the JDBC one: jdbc:postgresql://HOST:PORT/DB -> postgresql://USER@HOST:PORT/DB
PSQL_URL="postgresql://$PG_USER@${PG_URL#jdbc:postgresql://}"
PSQL_URL="${PSQL_URL%%\?*}"
psql_run() { PGOPTIONS='--client-min-messages=warning' psql -q -X -v ON_ERROR_STOP=1 "$PSQL_URL" -c "$1" >/dev/null; }
psql_run "SELECT 1" || die "PostgreSQL does not answer at $PSQL_URL (set PG_URL and PG_USER)"

# ---------------------------------------------------------------------------------------------- run directory
RUN="$(mktemp -d /tmp/tollgate-scale-bench.XXXXXX)"
PIDS=()
SCHEMAS=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for s in "${SCHEMAS[@]}"; do
    psql_run "DROP SCHEMA IF EXISTS $s CASCADE" || true
  done
  if [ "$KEEP_RUN_DIR" = 1 ]; then log "kept $RUN"; else rm -rf "$RUN"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${BENCH_JAR:-}" ]; then
  cp -p "$BENCH_JAR" "$RUN/tollgate.jar"
  SOURCE_INFO="the given jar $BENCH_JAR"
else
  log "building target/tollgate.jar when stale (./tollgate --version)"
  "$root/tollgate" --version >/dev/null || die "the build failed; set BENCH_JAR to a built jar"
  cp -p "$root/target/tollgate.jar" "$RUN/tollgate.jar"
  SOURCE_INFO="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
fi
JAR="$RUN/tollgate.jar"

wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------- upstream, redis
UP_PORT=$((PORT_BASE + 1))
REDIS_PORT=$((PORT_BASE + 2))
sed -e "s#@UPSTREAM_PORT@#$UP_PORT#g" -e "s#@RUN_DIR@#$RUN#g" "$here/nginx-upstream.conf" >"$RUN/nginx-upstream.conf"
"$NGINX" -p "$RUN" -c "$RUN/nginx-upstream.conf" -g 'daemon off;' >"$RUN/nginx-upstream.out" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$UP_PORT/" 10 || die "the nginx upstream did not start: $(cat "$RUN"/nginx-upstream.*)"
if [ "$REDIS" = 1 ]; then
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$RUN/redis.out" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 50); do
    grep -q "Ready to accept connections" "$RUN/redis.out" && break
    sleep 0.1
  done
  grep -q "Ready to accept connections" "$RUN/redis.out" || die "redis-server did not start: $(cat "$RUN/redis.out")"
fi
export BENCH_UPSTREAM_PORT="$UP_PORT"
export BENCH_UPSTREAM_KEY="bench-upstream-key"
export PGUSER="$PG_USER"

BODY="$RUN/chat.json"
printf '%s' '{"model":"bench-chat","messages":[{"role":"system","content":"You are a terse assistant."},{"role":"user","content":"Say hello in five words."}],"max_tokens":16}' >"$BODY"

# the bench configuration with ONE operator-wide route limit (no per: every account counts against the same cap)
# in place of the per-account ones, then the store and redis sections of process NODE
config() { # size node port
  local size="$1" node="$2"
  sed -n '/^limits:/q;p' "$here/tollgate-bench.yaml"
  cat <<EOF
limits:
  - {scope: route, model: bench-chat, route_type: routed, metric: spend, bucket: RMB, window: day, cap: "1000000"${LIMIT_PER:+, per: $LIMIT_PER}}
store: {kind: postgres, url: '$STORE_URL', user: $PG_USER, node: $node, pool_size: 4}
EOF
  if [ "$REDIS" = 1 ]; then
    printf 'redis:\n  url: redis://127.0.0.1:%s\n  key_prefix: "bench%s-%s:"\n' "$REDIS_PORT" "$size" "$$"
  fi
}

cli() { java -jar "$JAR" "$@" --store "$STORE_URL"; }

# "commits tasks lock_acquisitions lock_wait_s lock_held_s catchup_s" of gateway N, from its /admin/metrics
counts() { # port
  curl -s --max-time 10 "http://127.0.0.1:$1/admin/metrics" -H "Authorization: Bearer $ADMIN" |
    awk '/^tollgate_store_commits_total /{c=$2} /^tollgate_store_committed_tasks_total /{t=$2}
         /^tollgate_store_journal_lock_acquisitions_total /{a=$2} /^tollgate_store_journal_lock_wait_seconds_total /{w=$2}
         /^tollgate_store_journal_lock_held_seconds_total /{h=$2} /^tollgate_store_journal_catchup_seconds_total /{u=$2}
         END{printf "%d %d %d %.6f %.6f %.6f\n", c, t, a, w, h, u}'
}
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $5}' /proc/stat; } # busy idle

# load: KEYS wrk processes for SECONDS, wrk k on gateway (k mod size); prints "requests non2xx"
load() { # seconds
  local k pids=() per=$((CONNS / KEYS))
  for k in $(seq 0 $((KEYS - 1))); do
    local port="${PORTS[$((k % SIZE))]}"
    BENCH_BODY="$BODY" BENCH_KEY="${KEY[$k]}" wrk -t1 -c"$per" -d"${1}s" --timeout 10s -s "$here/post.lua" \
      "http://127.0.0.1:$port/v1/chat/completions" >"$RUN/wrk-$k.out" 2>&1 &
    pids+=("$!")
  done
  wait "${pids[@]}"
  cat "$RUN"/wrk-*.out | sed -n 's/^BENCH //p' |
    awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]+=kv[2]}} END{printf "%d %d\n", v["requests"], v["non2xx"]+v["connect_err"]+v["read_err"]+v["timeout_err"]}'
}

RESULTS="$RUN/results.tsv"
printf 'size\tround\treq_s\terrors\ttx_s\ttasks_per_tx\twait_ms_per_tx\theld_ms_per_tx\tcatchup_ms_per_tx\tlock_busy\tlock_wait_share\tcpu_busy\n' >"$RESULTS"

for SIZE in $PROCS; do
  SCHEMA="bench_scale_${SIZE}_$$"
  psql_run "CREATE SCHEMA $SCHEMA"
  SCHEMAS+=("$SCHEMA")
  STORE_URL="$PG_URL?currentSchema=$SCHEMA"
  log "$SIZE process(es) on schema $SCHEMA$([ "$REDIS" = 1 ] && echo " and Redis :$REDIS_PORT")"
  ADMIN="$(cli admin-token rotate | sed -n 's/^Admin token.*: //p')"
  [[ "$ADMIN" == tga-* ]] || die "admin-token rotate printed no token"
  declare -a KEY=() ACCOUNT=()
  for k in $(seq 0 $((KEYS - 1))); do
    ACCOUNT[$k]="$(cli accounts create "bench-$k" | cut -f1)"
    project="$(cli projects create --account "${ACCOUNT[$k]}" "bench-$k" | cut -f1)"
    KEY[$k]="$(cli keys create --project "$project" --route-types routed | sed -n 's/^Secret.*: //p')"
    [[ "${KEY[$k]}" == tg-* ]] || die "keys create printed no secret"
  done
  PORTS=()
  GW_PIDS=()
  for n in $(seq 1 "$SIZE"); do
    port=$((PORT_BASE + 10 + n))
    config "$SIZE" "gw-$n" >"$RUN/gw-$SIZE-$n.yaml"
    # shellcheck disable=SC2086
    java $GATEWAY_JAVA_OPTS -jar "$JAR" serve --config "$RUN/gw-$SIZE-$n.yaml" --data "$RUN/data-$SIZE-$n" \
      --port "$port" >"$RUN/gateway-$SIZE-$n.log" 2>&1 &
    PIDS+=("$!")
    GW_PIDS+=("$!")
    PORTS+=("$port")
  done
  for port in "${PORTS[@]}"; do
    wait_http "http://127.0.0.1:$port/readyz" 90 || die "a gateway did not start: $(tail -20 "$RUN"/gateway-"$SIZE"-*.log)"
  done
  for k in $(seq 0 $((KEYS - 1))); do
    status="$(curl -s -o "$RUN/topup.json" -w '%{http_code}' -X POST "http://127.0.0.1:${PORTS[0]}/admin/accounts/${ACCOUNT[$k]}/topups" \
      -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
      -d '{"bucket":"RMB","amount":"1000000","idempotency_key":"bench"}')"
    [ "$status" = 201 ] || die "top-up answered $status: $(cat "$RUN/topup.json")"
  done
  for port in "${PORTS[@]}"; do
    curl -s -D "$RUN/sanity.headers" -o "$RUN/sanity.json" --max-time 10 -X POST "http://127.0.0.1:$port/v1/chat/completions" \
      -H "Authorization: Bearer ${KEY[0]}" -H 'Content-Type: application/json' --data-binary "@$BODY"
    grep -q '^HTTP/1.1 200' "$RUN/sanity.headers" || die "gateway :$port answered: $(cat "$RUN/sanity.json")"
    grep -qi '^x-tollgate-limit-scope: route' "$RUN/sanity.headers" || die "gateway :$port reported no route limit"
  done
  log "warm-up: ${WARMUP}s"
  load "$WARMUP" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    before=()
    for port in "${PORTS[@]}"; do before+=("$(counts "$port")"); done
    read -r busy0 idle0 <<<"$(cpu_ticks)"
    t0="$(date +%s.%N)"
    read -r requests errors <<<"$(load "$DURATION")"
    t1="$(date +%s.%N)"
    read -r busy1 idle1 <<<"$(cpu_ticks)"
    after=()
    for port in "${PORTS[@]}"; do after+=("$(counts "$port")"); done
    printf '%s\n' "${before[@]}" >"$RUN/before"
    printf '%s\n' "${after[@]}" >"$RUN/after"
    paste -d' ' "$RUN/before" "$RUN/after" | awk -v size="$SIZE" -v round="$r" -v req="$requests" -v err="$errors" \
      -v secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" -v busy="$((busy1 - busy0))" -v idle="$((idle1 - idle0))" '
      {c+=$7-$1; t+=$8-$2; a+=$9-$3; w+=$10-$4; h+=$11-$5; u+=$12-$6}
      END{printf "%s\t%s\t%.0f\t%d\t%.0f\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", size, round, req/secs, err, c/secs,
          (c>0 ? t/c : 0), (a>0 ? 1000*w/a : 0), (a>0 ? 1000*h/a : 0), (a>0 ? 1000*u/a : 0), h/secs, w/secs,
          busy/(busy+idle)}' >>"$RESULTS"
    log "$(tail -1 "$RESULTS")"
  done
  for pid in "${GW_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${GW_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
done

# ---------------------------------------------------------------------------------------------- report
if [ -z "$LIMIT_PER" ]; then
  LIMIT_WORDS="one operator-wide route spend limit counts every request"
else
  LIMIT_WORDS="the route spend limit counts per $LIMIT_PER, no counter shared by the accounts"
fi
{
  echo "# bench/scale-out.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Source: $SOURCE_INFO. $(nproc) cores; load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Each run: $KEYS wrk processes ($((CONNS / KEYS)) connections each, one account's key each) for ${DURATION}s,"
  echo "spread over the processes; $LIMIT_WORDS; Redis: $([ "$REDIS" = 1 ] && echo on || echo off)."
  echo
  echo "| processes | round | requests/s | errors | write tx/s (all processes) | tasks per tx | lock wait per tx (ms) | lock held per tx (ms) | of which catching up (ms) | lock held (s per s) | lock wait (s per s, summed) | CPU busy |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  tail -n +2 "$RESULTS" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f%% |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 100*$12}'
  echo
  echo "Lock held (s per s): the seconds the processes together held the journal's advisory lock per second of the run;"
  echo "1.00 would mean the lock is busy all the time, the ceiling of the cluster's write transactions. Catching up: the"
  echo "part of the hold spent reading and applying the events the other processes appended (the journal's tail)."
} >"$OUT"
cat "$OUT"
