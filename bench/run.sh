#!/usr/bin/env bash
# Benchmarks Tollgate against a zero-cost upstream and against nginx as a plain reverse proxy.
# Usage and every knob: bench/README.md. Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

ROUNDS="${ROUNDS:-3}"                  # interleaved rounds; figures are medians over rounds, with min and max
DURATION="${DURATION:-3}"              # seconds per wrk run
WARMUP="${WARMUP:-90}"                 # at most this many seconds of warm-up load per gateway
JIT_QUIET_TICKS="${JIT_QUIET_TICKS:-30}" # warm-up ends once the JIT compilers use less CPU than this per 6 s window
STREAM_SAMPLES="${STREAM_SAMPLES:-15}" # curl samples per candidate and round for time to first chunk
CPU_CONNS="${CPU_CONNS:-4}"            # connections of the paced CPU-per-request run
CPU_DELAY_MS="${CPU_DELAY_MS:-2}"      # pause before each request on each connection of that run
PROFILE_SECONDS="${PROFILE_SECONDS:-10}" # JFR profile of the gateway under load after the rounds; 0 = none
PORT_BASE="${PORT_BASE:-18100}"        # upstream +1, nginx proxy +2, gateway +3, gateway with accounting off +4
PROXY_WORKERS="${PROXY_WORKERS:-auto}" # nginx proxy worker_processes
SCENARIOS="${SCENARIOS:-c1 c32 c256 cpu stream soak}"
SOAK_SECONDS="${SOAK_SECONDS:-600}"    # the soak: paced load on the gateway, its live heap sampled, after the rounds
SOAK_SAMPLE_SECONDS="${SOAK_SAMPLE_SECONDS:-30}" # between two live-heap samples (each after a full GC)
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-}"
OUT="${OUT:-$here/last-run.md}"        # the generated report
KEEP_RUN_DIR="${KEEP_RUN_DIR:-0}"      # 1 keeps the temporary directory (logs, databases, raw figures)

for n in ROUNDS DURATION WARMUP JIT_QUIET_TICKS STREAM_SAMPLES CPU_CONNS CPU_DELAY_MS PROFILE_SECONDS PORT_BASE SOAK_SECONDS SOAK_SAMPLE_SECONDS; do
  if ! [[ "${!n}" =~ ^[0-9]+$ ]]; then
    echo "error: $n=${!n} (expected: a whole number)" >&2
    exit 2
  fi
done
if [ "$ROUNDS" -lt 1 ] || [ "$DURATION" -lt 1 ] || [ "$SOAK_SAMPLE_SECONDS" -lt 1 ]; then
  echo "error: ROUNDS, DURATION and SOAK_SAMPLE_SECONDS must be at least 1" >&2
  exit 2
fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------- tools
need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing ${need_apt[*]} from Debian's packages"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v java >/dev/null 2>&1 || die "java is not installed"
command -v jcmd >/dev/null 2>&1 || PROFILE_SECONDS=0

# ---------------------------------------------------------------------------------------------- jar
RUN="$(mktemp -d /tmp/tollgate-bench.XXXXXX)"
PIDS=()
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
  if [ "$KEEP_RUN_DIR" = 1 ]; then
    log "kept $RUN"
  else
    rm -rf "$RUN"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${BENCH_JAR:-}" ]; then
  [ -f "$BENCH_JAR" ] || die "BENCH_JAR=$BENCH_JAR does not exist"
  cp -p "$BENCH_JAR" "$RUN/tollgate.jar"
  SOURCE_INFO="the given jar $BENCH_JAR"
else
  log "building target/tollgate.jar when stale (./tollgate --version)"
  "$root/tollgate" --version >/dev/null || die "the build failed; set BENCH_JAR to a built jar to benchmark that"
  cp -p "$root/target/tollgate.jar" "$RUN/tollgate.jar"
  SOURCE_INFO="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown) with $(git -C "$root" status --porcelain -- src/main pom.xml 2>/dev/null | wc -l) uncommitted changes under src/main and pom.xml when the run started"
fi
SOURCE_INFO+="; jar built $(date -u -r "$RUN/tollgate.jar" +%Y-%m-%dT%H:%M:%SZ)"
# a private copy: a rebuild by someone else during the run cannot change the jar under a running JVM
JAR="$RUN/tollgate.jar"
cli() { java -jar "$JAR" "$@"; }

# ---------------------------------------------------------------------------------------------- ports
UP_PORT=$((PORT_BASE + 1))
PROXY_PORT=$((PORT_BASE + 2))
GW_PORT=$((PORT_BASE + 3))
GW_OFF_PORT=$((PORT_BASE + 4))
for p in "$UP_PORT" "$PROXY_PORT" "$GW_PORT" "$GW_OFF_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p is already in use; set PORT_BASE to another value"
  fi
done

wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------- nginx
render() { # template output
  sed -e "s#@UPSTREAM_PORT@#$UP_PORT#g" -e "s#@PROXY_PORT@#$PROXY_PORT#g" -e "s#@RUN_DIR@#$RUN#g" \
    -e "s#@PROXY_WORKERS@#$PROXY_WORKERS#g" "$1" >"$2"
}
render "$here/nginx-upstream.conf" "$RUN/nginx-upstream.conf"
render "$here/nginx-proxy.conf" "$RUN/nginx-proxy.conf"
"$NGINX" -p "$RUN" -c "$RUN/nginx-upstream.conf" -g 'daemon off;' >"$RUN/nginx-upstream.out" 2>&1 &
UP_PID=$!
PIDS+=("$UP_PID")
"$NGINX" -p "$RUN" -c "$RUN/nginx-proxy.conf" -g 'daemon off;' >"$RUN/nginx-proxy.out" 2>&1 &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
wait_http "http://127.0.0.1:$UP_PORT/" 10 || die "the nginx upstream did not start: $(cat "$RUN"/nginx-upstream.*)"
wait_http "http://127.0.0.1:$PROXY_PORT/" 10 || die "the nginx proxy did not start: $(cat "$RUN"/nginx-proxy.*)"
log "nginx upstream on :$UP_PORT, nginx proxy on :$PROXY_PORT"

# ---------------------------------------------------------------------------------------------- gateways
export BENCH_UPSTREAM_PORT="$UP_PORT"
export BENCH_UPSTREAM_KEY="bench-upstream-key"

# start_gateway NAME CONFIG PORT [SERVE OPTIONS]: the database and its admin token with init (only init and serve create
# one), account, project and key with the CLI, then serve and top up through the admin API. Sets GW_PID_<NAME>,
# KEY_<NAME>, ADMIN_<NAME>, ACCOUNT_<NAME>.
start_gateway() {
  local name="$1" config="$2" port="$3"
  shift 3
  local data="$RUN/data-$name"
  mkdir -p "$data"
  local account project key admin
  admin="$(cli init --data "$data" --config "$RUN/unused-$name.yaml" | sed -n 's/^Admin token.*: //p')"
  [[ "$admin" == tga-* ]] || die "init printed no admin token"
  account="$(cli accounts create bench --data "$data" | cut -f1)"
  [[ "$account" == acct_* ]] || die "accounts create printed '$account'"
  project="$(cli projects create --account "$account" bench --data "$data" | cut -f1)"
  [[ "$project" == proj_* ]] || die "projects create printed '$project'"
  key="$(cli keys create --project "$project" --route-types routed,official --data "$data" | sed -n 's/^Secret.*: //p')"
  [[ "$key" == tg-* ]] || die "keys create printed no secret"
  # shellcheck disable=SC2086
  java $GATEWAY_JAVA_OPTS -jar "$JAR" serve --config "$config" --data "$data" --port "$port" "$@" >"$RUN/gateway-$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_http "http://127.0.0.1:$port/readyz" 60 || die "gateway $name did not start: $(tail -20 "$RUN/gateway-$name.log")"
  local status
  status="$(curl -s -o "$RUN/topup-$name.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/admin/accounts/$account/topups" \
    -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"bucket":"RMB","amount":"1000000","idempotency_key":"bench"}')"
  [ "$status" = 201 ] || die "top-up of $name answered $status: $(cat "$RUN/topup-$name.json")"
  printf -v "GW_PID_$name" '%s' "$pid"
  printf -v "KEY_$name" '%s' "$key"
  printf -v "ADMIN_$name" '%s' "$admin"
  printf -v "ACCOUNT_$name" '%s' "$account"
  log "gateway $name on :$port (pid $pid, account $account)"
}
start_gateway on "$here/tollgate-bench.yaml" "$GW_PORT"
start_gateway off "$here/tollgate-bench.yaml" "$GW_OFF_PORT" --no-accounting

CHAT_BODY="$RUN/chat.json"
STREAM_BODY="$RUN/stream.json"
printf '%s' '{"model":"bench-chat","messages":[{"role":"system","content":"You are a terse assistant."},{"role":"user","content":"Say hello in five words."}],"max_tokens":16}' >"$CHAT_BODY"
printf '%s' '{"model":"bench-stream","messages":[{"role":"system","content":"You are a terse assistant."},{"role":"user","content":"Say hello in five words."}],"max_tokens":16,"stream":true,"stream_options":{"include_usage":true}}' >"$STREAM_BODY"

# the candidates: where each sends chat and streamed requests, with which key
CANDIDATES=(direct nginx gateway gateway-noacct)
declare -A CHAT_URL STREAM_URL KEY
CHAT_URL[direct]="http://127.0.0.1:$UP_PORT/v1/chat/completions"
STREAM_URL[direct]="http://127.0.0.1:$UP_PORT/sse/v1/chat/completions"
CHAT_URL[nginx]="http://127.0.0.1:$PROXY_PORT/v1/chat/completions"
STREAM_URL[nginx]="http://127.0.0.1:$PROXY_PORT/sse/v1/chat/completions"
CHAT_URL[gateway]="http://127.0.0.1:$GW_PORT/v1/chat/completions"
STREAM_URL[gateway]="${CHAT_URL[gateway]}"
CHAT_URL[gateway-noacct]="http://127.0.0.1:$GW_OFF_PORT/v1/chat/completions"
STREAM_URL[gateway-noacct]="${CHAT_URL[gateway-noacct]}"
# the same Authorization header (length and all) everywhere; only the gateways read it
KEY[direct]="$KEY_on"
KEY[nginx]="$KEY_on"
KEY[gateway]="$KEY_on"
KEY[gateway-noacct]="$KEY_off"

# sanity: each candidate answers 200, and the gateways charge
for c in "${CANDIDATES[@]}"; do
  status="$(curl -s -o "$RUN/sanity-$c.json" -D "$RUN/sanity-$c.headers" -w '%{http_code}' --max-time 10 -X POST "${CHAT_URL[$c]}" \
    -H "Authorization: Bearer ${KEY[$c]}" -H 'Content-Type: application/json' --data-binary "@$CHAT_BODY")"
  [ "$status" = 200 ] || die "$c answered $status: $(cat "$RUN/sanity-$c.json")"
done
grep -qi '^x-tollgate-cost:' "$RUN/sanity-gateway.headers" || die "the gateway did not report a cost"
grep -qi '^x-tollgate-limit-scope:' "$RUN/sanity-gateway.headers" || die "the gateway reported no limit: are limits on?"
grep -qi '^x-tollgate-accounting: off' "$RUN/sanity-gateway-noacct.headers" || die "gateway-noacct does not say accounting is off"
grep -qi '^x-tollgate-cost:' "$RUN/sanity-gateway-noacct.headers" && die "gateway-noacct reported a cost: is accounting off?"

# ---------------------------------------------------------------------------------------------- measuring
RAW="$RUN/raw.tsv"
printf 'round\tscenario\tcandidate\tmetric\tvalue\n' >"$RAW"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

# "commits tasks overhead_seconds_sum overhead_count" of a gateway, from its /admin/metrics: the store writer's
# counters, and the gateway's own measure of what it added to proxied requests (tollgate_proxy_overhead, all series)
gateway_counts() { # candidate
  local port="$GW_PORT" admin="$ADMIN_on"
  if [ "$1" = gateway-noacct ]; then
    port="$GW_OFF_PORT" admin="$ADMIN_off"
  fi
  curl -s --max-time 10 "http://127.0.0.1:$port/admin/metrics" -H "Authorization: Bearer $admin" |
    awk '/^tollgate_store_commits_total /{c=$2} /^tollgate_store_committed_tasks_total /{t=$2}
         /^tollgate_proxy_overhead_seconds_sum[{ ]/{os+=$NF} /^tollgate_proxy_overhead_seconds_count[{ ]/{oc+=$NF}
         END{printf "%d %d %.6f %d\n", c, t, os, oc}'
}

record_counts() { # round scenario candidate counts-before counts-after
  local c0 t0 s0 n0 c1 t1 s1 n1
  read -r c0 t0 s0 n0 <<<"$4"
  read -r c1 t1 s1 n1 <<<"$5"
  if [ "$3" = gateway ]; then
    record "$1" "$2" gateway commits "$((c1 - c0))"
    record "$1" "$2" gateway committed_tasks "$((t1 - t0))"
  fi
  if [ "$((n1 - n0))" -gt 0 ]; then
    record "$1" "$2" "$3" overhead_mean_us "$(awk -v a="$s0" -v b="$s1" -v n="$((n1 - n0))" 'BEGIN{printf "%.1f", (b - a) * 1e6 / n}')"
  fi
}

# run_wrk ROUND SCENARIO CANDIDATE THREADS CONNS BODY URL [DELAY_MS]: one bounded wrk run, recorded
run_wrk() {
  local round="$1" scenario="$2" cand="$3" threads="$4" conns="$5" body="$6" url="$7" delay="${8:-0}"
  local line counts_before=""
  if [[ "$cand" == gateway* ]] && [ "${SKIP_COUNTS:-0}" = 0 ]; then
    counts_before="$(gateway_counts "$cand")"
  fi
  line="$(BENCH_BODY="$body" BENCH_KEY="${KEY[$cand]}" BENCH_DELAY_MS="$delay" \
    timeout $((DURATION + 30)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 10s -s "$here/post.lua" "$url" | grep '^BENCH ' || true)"
  [ -n "$line" ] || die "wrk printed no result for $scenario $cand"
  local -A v=()
  local kv
  for kv in ${line#BENCH }; do
    v[${kv%%=*}]="${kv#*=}"
  done
  local errors=$((v[non2xx] + v[connect_err] + v[read_err] + v[write_err] + v[timeout_err]))
  record "$round" "$scenario" "$cand" requests "${v[requests]}"
  record "$round" "$scenario" "$cand" rps "$(awk -v r="${v[requests]}" -v d="${v[duration_us]}" 'BEGIN{printf "%.1f", r*1e6/d}')"
  record "$round" "$scenario" "$cand" p50_us "${v[p50_us]}"
  record "$round" "$scenario" "$cand" p99_us "${v[p99_us]}"
  record "$round" "$scenario" "$cand" errors "$errors"
  if [ -n "$counts_before" ]; then
    record_counts "$round" "$scenario" "$cand" "$counts_before" "$(gateway_counts "$cand")"
  fi
  if [ "$errors" -gt 0 ]; then
    log "warning: $scenario $cand: $errors errors (${line#BENCH })"
  fi
  LAST_REQUESTS="${v[requests]}"
}

# ticks of user + system CPU of a process and its children's live processes (nginx workers)
cpu_ticks() {
  local total=0 pid stat rest
  for pid in "$1" $(pgrep -P "$1" || true); do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    rest="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
# "tid<TAB>comm<TAB>utime<TAB>stime" for every thread of a process
thread_ticks() {
  local t stat rest
  for t in /proc/"$1"/task/*; do
    stat="$(cat "$t/stat" 2>/dev/null)" || continue
    rest="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s\t%s\t%s\t%s\n' "${t##*/}" "$(cat "$t/comm" 2>/dev/null)" "${12}" "${13}"
  done
}
CLK_TCK="$(getconf CLK_TCK)"

order_for() { # round -> candidates, reversed on even rounds (A/B/A/B, then B/A/B/A)
  local -a list=("$@")
  if [ $((ROUND % 2)) -eq 0 ]; then
    local i
    for ((i = ${#list[@]} - 1; i >= 0; i--)); do printf '%s\n' "${list[$i]}"; done
  else
    printf '%s\n' "${list[@]}"
  fi
}

pid_of() {
  case "$1" in
    gateway) echo "$GW_PID_on" ;;
    gateway-noacct) echo "$GW_PID_off" ;;
    nginx) echo "$PROXY_PID" ;;
  esac
}

cpu_run() { # round candidate
  local round="$1" cand="$2" pid before after counts_before=""
  pid="$(pid_of "$cand")"
  # the gateway's counters are read outside the CPU window: a scrape costs the gateway CPU of its own
  if [[ "$cand" == gateway* ]]; then
    counts_before="$(gateway_counts "$cand")"
  fi
  thread_ticks "$pid" >"$RUN/threads-$round-$cand.before"
  before="$(cpu_ticks "$pid")"
  SKIP_COUNTS=1 run_wrk "$round" cpu "$cand" 1 "$CPU_CONNS" "$CHAT_BODY" "${CHAT_URL[$cand]}" "$CPU_DELAY_MS"
  after="$(cpu_ticks "$pid")"
  thread_ticks "$pid" >"$RUN/threads-$round-$cand.after"
  if [ -n "$counts_before" ]; then
    record_counts "$round" cpu "$cand" "$counts_before" "$(gateway_counts "$cand")"
  fi
  record "$round" cpu "$cand" cpu_ticks "$((after - before))"
  record "$round" cpu "$cand" cpu_us_per_req "$(awk -v t="$((after - before))" -v hz="$CLK_TCK" -v n="$LAST_REQUESTS" \
    'BEGIN{printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0)}')"
}

stream_sample() { # round candidate
  local round="$1" cand="$2" out="$RUN/stream-$2.out" w
  w="$(curl -sN --max-time 10 -o "$out" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' -X POST \
    "${STREAM_URL[$cand]}" -H "Authorization: Bearer ${KEY[$cand]}" -H 'Content-Type: application/json' \
    --data-binary "@$STREAM_BODY" || true)"
  read -r code ttfb total size <<<"$w"
  code="${code:-0}" ttfb="${ttfb:-0}" total="${total:-0}" size="${size:-0}"
  [ "$code" = 200 ] || log "warning: stream $cand answered $code"
  record "$round" stream "$cand" ttfb_us "$(awk -v s="$ttfb" 'BEGIN{printf "%.0f", s * 1e6}')"
  record "$round" stream "$cand" total_us "$(awk -v s="$total" 'BEGIN{printf "%.0f", s * 1e6}')"
  record "$round" stream "$cand" bytes "$size"
  record "$round" stream "$cand" events "$(grep -c '^data:' "$out" || true)"
  record "$round" stream "$cand" status "$code"
  if [ "$cand" = direct ]; then
    cp "$out" "$RUN/stream-reference.out"
  fi
  if cmp -s "$out" "$RUN/stream-reference.out"; then
    record "$round" stream "$cand" identical 1
  else
    record "$round" stream "$cand" identical 0
    cp "$out" "$RUN/stream-$cand-differs-$round.out"
  fi
}

# CPU ticks of a JVM's JIT compiler threads
jit_ticks() {
  local total=0 t stat rest
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in
      C1\ Compiler* | C2\ Compiler*) ;;
      *) continue ;;
    esac
    stat="$(cat "$t/stat" 2>/dev/null)" || continue
    rest="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# warm_up CANDIDATE: 6 s windows of load (4 s chat at 32 connections, 1 s streams, 1 s streams on a new connection
# each) until the JIT compilers
# go quiet (less than JIT_QUIET_TICKS in a window) or WARMUP seconds have passed; the JIT otherwise keeps
# compiling through the first minute or so and its CPU would be counted against every request
warm_up() {
  local cand="$1" pid start before=0 after=0 quiet=no
  pid="$(pid_of "$cand")"
  start=$SECONDS
  while [ $((SECONDS - start)) -lt "$WARMUP" ]; do
    before="$(jit_ticks "$pid")"
    BENCH_BODY="$CHAT_BODY" BENCH_KEY="${KEY[$cand]}" timeout 40 \
      wrk -t2 -c32 -d4s -s "$here/post.lua" "${CHAT_URL[$cand]}" >/dev/null
    BENCH_BODY="$STREAM_BODY" BENCH_KEY="${KEY[$cand]}" timeout 40 \
      wrk -t2 -c16 -d1s -s "$here/post.lua" "${STREAM_URL[$cand]}" >/dev/null
    # and a new connection per request: the stream scenario's first-chunk samples each open one, and the code that
    # sets a connection up would otherwise still be cold (interpreted) when they run
    BENCH_BODY="$STREAM_BODY" BENCH_KEY="${KEY[$cand]}" timeout 40 \
      wrk -t2 -c8 -d1s -H "Connection: close" -s "$here/post.lua" "${STREAM_URL[$cand]}" >/dev/null
    after="$(jit_ticks "$pid")"
    if [ $((after - before)) -lt "$JIT_QUIET_TICKS" ]; then
      quiet=yes
      break
    fi
  done
  log "warmed up $cand for $((SECONDS - start))s (JIT quiet: $quiet, $((after - before)) ticks in the last window)"
  WARMUP_NOTES+="$cand: $((SECONDS - start)) s, JIT quiet: $quiet ($((after - before)) JIT ticks in the last 6 s window); "
}

log "warming up (until the JIT goes quiet, at most ${WARMUP}s per gateway)"
curl -s -o "$RUN/stream-reference.out" --max-time 10 -X POST "${STREAM_URL[direct]}" --data-binary "@$STREAM_BODY"
WARMUP_NOTES=""
warm_up gateway
warm_up gateway-noacct
BENCH_BODY="$CHAT_BODY" BENCH_KEY="${KEY[nginx]}" timeout 30 wrk -t2 -c32 -d2s -s "$here/post.lua" "${CHAT_URL[nginx]}" >/dev/null

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  log "round $ROUND of $ROUNDS"
  for scenario in $SCENARIOS; do
    case "$scenario" in
      c1)
        for c in $(order_for "${CANDIDATES[@]}"); do run_wrk "$ROUND" c1 "$c" 1 1 "$CHAT_BODY" "${CHAT_URL[$c]}"; done ;;
      c32)
        for c in $(order_for "${CANDIDATES[@]}"); do run_wrk "$ROUND" c32 "$c" 2 32 "$CHAT_BODY" "${CHAT_URL[$c]}"; done ;;
      c256)
        for c in $(order_for "${CANDIDATES[@]}"); do run_wrk "$ROUND" c256 "$c" 2 256 "$CHAT_BODY" "${CHAT_URL[$c]}"; done ;;
      cpu)
        for c in $(order_for gateway nginx gateway-noacct); do cpu_run "$ROUND" "$c"; done ;;
      soak) ;; # once, after the rounds
      stream)
        for ((s = 1; s <= STREAM_SAMPLES; s++)); do
          for c in $(order_for "${CANDIDATES[@]}"); do stream_sample "$ROUND" "$c"; done
        done
        for c in $(order_for "${CANDIDATES[@]}"); do run_wrk "$ROUND" stream_c1 "$c" 1 1 "$STREAM_BODY" "${STREAM_URL[$c]}"; done
        for c in $(order_for "${CANDIDATES[@]}"); do run_wrk "$ROUND" stream_c32 "$c" 2 32 "$STREAM_BODY" "${STREAM_URL[$c]}"; done ;;
      *) die "unknown scenario '$scenario' (expected: c1 c32 c256 cpu stream soak)" ;;
    esac
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# which thread is the store's writer: its CPU is the accounting's SQL work (names from a thread dump)
writer_tid() {
  jcmd "$1" Thread.print 2>/dev/null | sed -n 's/^"tollgate-store-writer".* nid=\(0x[0-9a-f]*\).*/\1/p' | head -1
}
for n in on off; do
  pid_var="GW_PID_$n"
  tid="$(writer_tid "${!pid_var}" || true)"
  [ -n "$tid" ] && printf '%d\n' "$tid" >"$RUN/writer-tid-$n"
done

# ---------------------------------------------------------------------------------------------- soak
# live heap of the gateway (after a full GC) every SOAK_SAMPLE_SECONDS under the paced load of the cpu scenario
live_heap_kb() {
  jcmd "$1" GC.run >/dev/null 2>&1 || return 1
  jcmd "$1" GC.heap_info 2>/dev/null | sed -n 's/.*heap.*total [0-9]*K, used \([0-9]*\)K.*/\1/p'
}
if [[ " $SCENARIOS " == *" soak "* ]] && [ "$SOAK_SECONDS" -gt 0 ]; then
  command -v jcmd >/dev/null 2>&1 || die "the soak needs jcmd (a JDK) to read the gateway's heap"
  log "soak: ${SOAK_SECONDS}s of paced load on the gateway, live heap every ${SOAK_SAMPLE_SECONDS}s"
  printf 'seconds\theap_used_kb\n' >"$RUN/soak.tsv"
  soak_start=$SECONDS
  BENCH_BODY="$CHAT_BODY" BENCH_KEY="${KEY[gateway]}" BENCH_DELAY_MS="$CPU_DELAY_MS" \
    timeout $((SOAK_SECONDS + 60)) wrk -t1 -c"$CPU_CONNS" -d"${SOAK_SECONDS}s" --timeout 10s -s "$here/post.lua" \
    "${CHAT_URL[gateway]}" >"$RUN/soak-wrk.out" 2>&1 &
  soak_wrk=$!
  while kill -0 "$soak_wrk" 2>/dev/null; do
    kb="$(live_heap_kb "$GW_PID_on" || true)"
    [ -n "$kb" ] && printf '%s\t%s\n' "$((SECONDS - soak_start))" "$kb" >>"$RUN/soak.tsv"
    for _ in $(seq 1 "$SOAK_SAMPLE_SECONDS"); do
      kill -0 "$soak_wrk" 2>/dev/null || break
      sleep 1
    done
  done
  wait "$soak_wrk" || log "warning: the soak's wrk exited with $?"
  line="$(grep '^BENCH ' "$RUN/soak-wrk.out" || true)"
  [ -n "$line" ] || die "the soak's wrk printed no result: $(tail -5 "$RUN/soak-wrk.out")"
  declare -A sv=()
  for kv in ${line#BENCH }; do sv[${kv%%=*}]="${kv#*=}"; done
  record 1 soak gateway requests "${sv[requests]}"
  record 1 soak gateway errors "$((sv[non2xx] + sv[connect_err] + sv[read_err] + sv[write_err] + sv[timeout_err]))"
  record 1 soak gateway p50_us "${sv[p50_us]}"
  record 1 soak gateway p99_us "${sv[p99_us]}"
  record 1 soak gateway rps "$(awk -v r="${sv[requests]}" -v d="${sv[duration_us]}" 'BEGIN{printf "%.1f", r*1e6/d}')"
  log "soak done: ${sv[requests]} requests"
fi

# ---------------------------------------------------------------------------------------------- profile
if [ "$PROFILE_SECONDS" -gt 0 ]; then
  # Both gateways, one after the other, under the same load: what accounting adds is the difference.
  for n in on off; do
    cand=gateway; suffix=""; [ "$n" = off ] && cand=gateway-noacct && suffix="-noacct"
    pid_var="GW_PID_$n"
    log "profiling $cand with JFR for ${PROFILE_SECONDS}s at 32 connections"
    jcmd "${!pid_var}" JFR.start name=bench settings=profile filename="$RUN/$cand.jfr" >/dev/null
    BENCH_BODY="$CHAT_BODY" BENCH_KEY="${KEY[$cand]}" timeout $((PROFILE_SECONDS + 30)) \
      wrk -t2 -c32 -d"${PROFILE_SECONDS}s" -s "$here/post.lua" "${CHAT_URL[$cand]}" >"$RUN/profile$suffix.wrk"
    jcmd "${!pid_var}" JFR.stop name=bench >/dev/null
    requests="$(awk '/requests in/ {print $1}' "$RUN/profile$suffix.wrk")"
    python3 "$here/jfr_top.py" "$RUN/$cand.jfr" 20 "$requests" >"$RUN/profile$suffix.txt" 2>&1 \
      || log "warning: could not summarize the profile of $cand"
  done
fi

# ---------------------------------------------------------------------------------------------- accounting check
for n in on off; do
  port_var=GW_PORT; [ "$n" = off ] && port_var=GW_OFF_PORT
  admin_var="ADMIN_$n"; account_var="ACCOUNT_$n"
  curl -s --max-time 60 "http://127.0.0.1:${!port_var}/admin/ledger/verify" -H "Authorization: Bearer ${!admin_var}" \
    >"$RUN/verify-$n.json" || true
  curl -s --max-time 10 "http://127.0.0.1:${!port_var}/admin/accounts/${!account_var}/wallet" \
    -H "Authorization: Bearer ${!admin_var}" >"$RUN/wallet-$n.json" || true
done

# ---------------------------------------------------------------------------------------------- report
{
  echo "STARTED_AT=$STARTED_AT"
  echo "FINISHED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "COMMAND=${BENCH_COMMAND:-$(printf 'ROUNDS=%s DURATION=%s bench/run.sh' "$ROUNDS" "$DURATION")}"
  echo "WARMUP_NOTES=$WARMUP_NOTES"
  echo "PARAMS=ROUNDS=$ROUNDS DURATION=$DURATION SOAK_SECONDS=$SOAK_SECONDS SOAK_SAMPLE_SECONDS=$SOAK_SAMPLE_SECONDS WARMUP=$WARMUP JIT_QUIET_TICKS=$JIT_QUIET_TICKS STREAM_SAMPLES=$STREAM_SAMPLES CPU_CONNS=$CPU_CONNS CPU_DELAY_MS=$CPU_DELAY_MS PROXY_WORKERS=$PROXY_WORKERS SCENARIOS='$SCENARIOS' GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS'"
  echo "LOAD_BEFORE=$LOAD_BEFORE"
  echo "LOAD_AFTER=$LOAD_AFTER"
  echo "NPROC=$(nproc)"
  echo "CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "MEMORY=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "JAVA=$(java -version 2>&1 | head -2 | tr '\n' ' ')"
  echo "NGINX=$("$NGINX" -v 2>&1)"
  echo "WRK=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "GIT=$SOURCE_INFO"
  echo "CLK_TCK=$CLK_TCK"
} >"$RUN/meta.env"
python3 "$here/summarize.py" "$RUN" >"$OUT"
log "report written to $OUT"
cat "$OUT"
