-- wrk script for bench/run.sh: POSTs the JSON body in $BENCH_BODY (a file), with $BENCH_KEY as the bearer
-- token when set, and waits $BENCH_DELAY_MS before each request when set (to pace a fixed connection count).
-- done() prints one machine-readable line that bench/run.sh parses.
local function read_file(path)
  local f = assert(io.open(path, "rb"), "cannot open BENCH_BODY file " .. tostring(path))
  local text = f:read("*a")
  f:close()
  return text
end

wrk.method = "POST"
wrk.body = read_file(os.getenv("BENCH_BODY"))
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key ~= nil and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%.1f p99_us=%.1f mean_us=%.1f max_us=%.1f non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
