#!/usr/bin/env python3
"""Turns the raw figures of one bench/run.sh run into a Markdown report on standard output.

Usage: bench/summarize.py RUN_DIR
RUN_DIR holds raw.tsv (round, scenario, candidate, metric, value), meta.env, and the per-thread CPU
snapshots, ledger checks and profile that bench/run.sh leaves there. Every figure is a median over rounds
with the smallest and largest round beside it; differences and ratios are taken within a round first.
"""
import collections
import json
import os
import statistics
import sys

CANDIDATES = ["direct", "nginx", "gateway", "gateway-noacct"]
TARGETS = {"p50_added_vs_nginx_us": 150, "p99_added_vs_nginx_us": 1000, "rps_ratio_vs_nginx": 0.45,
           "cpu_us_per_req": 150, "accounting_share": 0.20}


def load(run):
    data = collections.defaultdict(dict)  # (scenario, candidate, metric) -> {round: [values]}
    with open(os.path.join(run, "raw.tsv")) as f:
        next(f)
        for line in f:
            rnd, scenario, cand, metric, value = line.rstrip("\n").split("\t")
            if value == "":
                continue
            data[(scenario, cand, metric)].setdefault(int(rnd), []).append(float(value))
    meta = {}
    with open(os.path.join(run, "meta.env")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            meta[key] = value
    return data, meta


def per_round(data, scenario, cand, metric, reduce=statistics.median):
    return {r: reduce(v) for r, v in data.get((scenario, cand, metric), {}).items()}


def combine(a, b, op):
    return {r: op(a[r], b[r]) for r in a if r in b and b[r] not in (None,)}


def spread(values):
    """median (min to max) of a round -> value map, or None."""
    vals = list(values.values()) if isinstance(values, dict) else list(values)
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals)


def fmt(s, unit="", digits=0):
    if s is None:
        return "n/a"
    m, lo, hi = s
    f = f"{{:,.{digits}f}}"
    return f"{f.format(m)}{unit} ({f.format(lo)} to {f.format(hi)})"


def ratio(a, b):
    return a / b if b else float("nan")


def section_latency(data, out, scenario="c1", title="Added latency at one connection (`wrk -t1 -c1 --latency`, non-streamed chat)"):
    out.append(f"## {title}\n")
    out.append("| candidate | p50 µs | p99 µs | requests/s |")
    out.append("| --- | --- | --- | --- |")
    for c in CANDIDATES:
        out.append(f"| {c} | {fmt(spread(per_round(data, scenario, c, 'p50_us')))} | "
                   f"{fmt(spread(per_round(data, scenario, c, 'p99_us')))} | {fmt(spread(per_round(data, scenario, c, 'rps')))} |")
    out.append("")
    out.append("Added over direct, per round (candidate minus direct in the same round):\n")
    out.append("| candidate | added p50 µs | added p99 µs |")
    out.append("| --- | --- | --- |")
    added = {}
    for c in CANDIDATES[1:]:
        for q in ("p50_us", "p99_us"):
            added[(c, q)] = combine(per_round(data, scenario, c, q), per_round(data, scenario, "direct", q), lambda x, y: x - y)
        out.append(f"| {c} | {fmt(spread(added[(c, 'p50_us')]))} | {fmt(spread(added[(c, 'p99_us')]))} |")
    out.append("")
    return {q: spread(combine(added[("gateway", q)], added[("nginx", q)], lambda x, y: x - y)) for q in ("p50_us", "p99_us")}


def section_throughput(data, out, scenario, title):
    out.append(f"## {title}\n")
    out.append("| candidate | requests/s | vs direct | vs nginx proxy | errors |")
    out.append("| --- | --- | --- | --- | --- |")
    direct = per_round(data, scenario, "direct", "rps")
    nginx = per_round(data, scenario, "nginx", "rps")
    ratios = {}
    for c in CANDIDATES:
        rps = per_round(data, scenario, c, "rps")
        errors = sum(sum(v) for v in data.get((scenario, c, "errors"), {}).values())
        vs_direct = spread(combine(rps, direct, ratio))
        vs_nginx = spread(combine(rps, nginx, ratio))
        ratios[c] = vs_nginx
        out.append(f"| {c} | {fmt(spread(rps))} | {fmt(vs_direct, digits=2)} | {fmt(vs_nginx, digits=2)} | {int(errors)} |")
    out.append("")
    return ratios


def thread_ticks(run, rnd, cand, writer_tid):
    """CPU ticks of one gateway run by thread group, or None when the snapshots are missing."""
    before = os.path.join(run, f"threads-{rnd}-{cand}.before")
    after = os.path.join(run, f"threads-{rnd}-{cand}.after")
    if not (os.path.exists(before) and os.path.exists(after)):
        return None
    snap = {}
    with open(before) as f:
        for line in f:
            tid, comm, u, s = line.rstrip("\n").split("\t")
            snap[tid] = int(u) + int(s)
    groups = collections.Counter()
    with open(after) as f:
        for line in f:
            tid, comm, u, s = line.rstrip("\n").split("\t")
            groups[classify(tid, comm, writer_tid)] += int(u) + int(s) - snap.get(tid, 0)
    return groups


def thread_breakdown(run, rounds, cand, writer_tid, requests_by_round, clk):
    """CPU µs per request by thread group (all rounds together), and per round without the JIT compilers."""
    total = collections.Counter()
    requests = 0
    without_jit = {}
    for r in rounds:
        groups = thread_ticks(run, r, cand, writer_tid)
        n = requests_by_round.get(r, 0)
        if groups is None or n == 0:
            continue
        total.update(groups)
        requests += n
        without_jit[r] = (sum(groups.values()) - groups["JIT compilers"]) * 1e6 / clk / n
    per_request = {g: ticks * 1e6 / clk / requests for g, ticks in total.items()} if requests else {}
    return per_request, without_jit


def classify(tid, comm, writer_tid):
    if tid == writer_tid:
        return "store writer (accounting SQL)"
    if comm.startswith("vert.x-eventloo"):
        return "event loops"
    if comm.startswith("tollgate-checkp"):
        return "store checkpointer (accounting I/O)"
    if comm.startswith("tollgate-store-") or comm.startswith("tollgate-reader"):
        return "store readers"
    if comm.startswith(("GC Thread", "G1 ", "VM Thread", "VM Periodic")):
        return "GC and VM"
    if comm.startswith(("C1 Compiler", "C2 Compiler")):
        return "JIT compilers"
    return "other"


def section_cpu(data, meta, run, out):
    clk = int(meta.get("CLK_TCK", "100"))
    out.append("## CPU time per request (paced load)\n")
    out.append(f"`wrk -t1 -c{meta_param(meta, 'CPU_CONNS')}` with a `delay()` of {meta_param(meta, 'CPU_DELAY_MS')} ms "
               "before every request on each connection (wrk2 is not in Debian): a steady, below-saturation rate. "
               "CPU is user + system ticks from `/proc/PID/stat` (the JVM; for nginx the master and its workers) "
               f"over the run, divided by the requests completed; ticks are 1/{clk} s.\n")
    rounds = sorted({r for c in ("gateway", "gateway-noacct", "nginx")
                     for r in per_round(data, "cpu", c, "cpu_us_per_req")})
    breakdowns, without_jit = {}, {}
    for c, n in (("gateway", "on"), ("gateway-noacct", "off")):
        tid_file = os.path.join(run, f"writer-tid-{n}")
        writer = open(tid_file).read().strip() if os.path.exists(tid_file) else None
        reqs = per_round(data, "cpu", c, "requests", sum)
        breakdowns[c], without_jit[c] = thread_breakdown(run, rounds, c, writer, reqs, clk)
    out.append("| candidate | rate req/s | CPU µs per request | the same without the JIT compiler threads |")
    out.append("| --- | --- | --- | --- |")
    cpu = {}
    for c in ("gateway", "gateway-noacct", "nginx"):
        cpu[c] = per_round(data, "cpu", c, "cpu_us_per_req")
        out.append(f"| {c} | {fmt(spread(per_round(data, 'cpu', c, 'rps')))} | {fmt(spread(cpu[c]))} | "
                   f"{fmt(spread(without_jit.get(c, {})))} |")
    out.append("")
    names = sorted(set(breakdowns["gateway"]) | set(breakdowns["gateway-noacct"]),
                   key=lambda g: -breakdowns["gateway"].get(g, 0))
    if names:
        out.append("Where the gateway's CPU goes (µs per request, all rounds together, by thread):\n")
        out.append("| threads | gateway | gateway-noacct |")
        out.append("| --- | --- | --- |")
        for g in names:
            out.append(f"| {g} | {breakdowns['gateway'].get(g, 0):,.0f} | {breakdowns['gateway-noacct'].get(g, 0):,.0f} |")
        out.append("")
    return cpu, breakdowns, without_jit


def meta_param(meta, name):
    for part in meta.get("PARAMS", "").split():
        if part.startswith(name + "="):
            return part.split("=", 1)[1]
    return "?"


def section_stream(data, out):
    out.append("## Streaming\n")
    out.append("Time to first chunk: `curl -N -w %{time_starttransfer}`, a new connection per sample, the candidates "
               "interleaved sample by sample. The upstream sends a fixed stream of 11 events at once.\n")
    out.append("| candidate | first chunk µs (median of samples) | added over direct µs | identical to direct | events | bytes |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    direct = per_round(data, "stream", "direct", "ttfb_us")
    added_by = {}
    for c in CANDIDATES:
        ttfb = per_round(data, "stream", c, "ttfb_us")
        added = combine(ttfb, direct, lambda x, y: x - y) if c != "direct" else {}
        added_by[c] = spread(added) if added else None
        identical = data.get(("stream", c, "identical"), {})
        same = int(sum(sum(v) for v in identical.values()))
        count = sum(len(v) for v in identical.values())
        events = sorted({int(x) for v in data.get(("stream", c, "events"), {}).values() for x in v})
        size = sorted({int(x) for v in data.get(("stream", c, "bytes"), {}).values() for x in v})
        out.append(f"| {c} | {fmt(spread(ttfb))} | {fmt(added_by[c]) if c != 'direct' else '-'} | {same} of {count} | "
                   f"{', '.join(map(str, events))} | {', '.join(map(str, size))} |")
    out.append("")
    return added_by


def section_group_commit(data, out):
    """Tasks per commit of the gateway's store writer in each scenario, from its /admin/metrics counters."""
    rows = []
    for scenario in ("c1", "cpu", "c32", "c256", "stream_c1", "stream_c32"):
        commits = per_round(data, scenario, "gateway", "commits", sum)
        tasks = per_round(data, scenario, "gateway", "committed_tasks", sum)
        requests = per_round(data, scenario, "gateway", "requests", sum)
        per_commit = combine(tasks, commits, ratio)
        per_request = combine(commits, requests, ratio)
        if per_commit:
            rows.append(f"| {scenario} | {fmt(spread(per_commit), digits=2)} | {fmt(spread(per_request), digits=2)} |")
    if not rows:
        return
    out.append("## Group commit: what the store writer batched (gateway with accounting)\n")
    out.append("A served request is two pieces of work for the writer: its hold, then its charge with the receipt. "
               "Counted from `tollgate_store_commits_total` and `tollgate_store_committed_tasks_total` around each run.\n")
    out.append("| scenario | tasks per commit | commits per request |")
    out.append("| --- | --- | --- |")
    out.extend(rows)
    out.append("")


def section_own_overhead(data, out):
    """The gateways' own measure of what they added (tollgate_proxy_overhead), beside what wrk saw."""
    rows = []
    for scenario in ("c1", "cpu", "c32", "c256", "stream_c1", "stream_c32"):
        cells = []
        for cand in ("gateway", "gateway-noacct"):
            cells.append(fmt(spread(per_round(data, scenario, cand, "overhead_mean_us")), " µs"))
        if any(c != "n/a" for c in cells):
            rows.append(f"| {scenario} | {cells[0]} | {cells[1]} |")
    if not rows:
        return
    out.append("## What the gateways say they added (`tollgate_proxy_overhead`)\n")
    out.append("Each gateway times every proxied request and subtracts the time its attempts spent on the upstream "
               "(from sending to the end of the answer, as its event loop sees it); the mean per request, from "
               "`/admin/metrics` around each run. wrk's figures above include the client's and the network's share; "
               "these do not, and they count the gateway's own reading and writing of upstream bytes as upstream time.\n")
    out.append("| scenario | gateway | gateway-noacct |")
    out.append("| --- | --- | --- |")
    out.extend(rows)
    out.append("")


def section_targets(out, latency, sat32, sat256, cpu, breakdowns, without_jit, data, soak):
    out.append("## Targets\n")
    out.append("Issue 16's: what accounting adds, against the same gateway with `--no-accounting` (within each round).\n")
    out.append("| target | measured (median, min to max) | met? |")
    out.append("| --- | --- | --- |")

    def row(name, s, ok, unit="", digits=0):
        if s is None:
            verdict = "n/a"
        else:
            m, lo, hi = s
            every = ok(lo) and ok(hi)
            none = not ok(lo) and not ok(hi)
            if ok(m):
                verdict = "yes" if every else "yes at the median, not in every round"
            else:
                verdict = "no" if none else "no at the median (some rounds yes)"
        out.append(f"| {name} | {fmt(s, unit, digits)} | {verdict} |")

    def on_over_off(scenario, metric, op):
        return spread(combine(per_round(data, scenario, "gateway", metric),
                              per_round(data, scenario, "gateway-noacct", metric), op))

    row("throughput with accounting >= 0.80 of without, 32 connections", on_over_off("c32", "rps", ratio),
        lambda v: v >= 0.80, "", 2)
    row("throughput with accounting >= 0.80 of without, 256 connections", on_over_off("c256", "rps", ratio),
        lambda v: v >= 0.80, "", 2)
    row("CPU per request with accounting <= 1.25x without (paced)",
        spread(combine(cpu["gateway"], cpu["gateway-noacct"], ratio)), lambda v: v <= 1.25, "", 2)
    row("added p50 at one connection <= 120 µs over the gateway without accounting",
        on_over_off("c1", "p50_us", lambda a, b: a - b), lambda v: v <= 120, " µs")
    row("p99 at one connection <= 1 ms over nginx's", latency["p99_us"], lambda v: v <= 1000, " µs")
    first_chunk = {c: per_round(data, "stream", c, "ttfb_us") for c in ("direct", "gateway", "gateway-noacct")}
    row("added time to the first chunk <= 1 ms, over the upstream reached directly",
        spread(combine(first_chunk["gateway"], first_chunk["direct"], lambda a, b: a - b)), lambda v: v <= 1000, " µs")
    row("the same over the gateway without accounting",
        spread(combine(first_chunk["gateway"], first_chunk["gateway-noacct"], lambda a, b: a - b)),
        lambda v: v <= 1000, " µs")
    out.append("")
    out.append("Issue 7's, the first benchmark's: against nginx as a plain reverse proxy.\n")
    out.append("| target | measured (median, min to max) | met? |")
    out.append("| --- | --- | --- |")
    row("added p50 within 150 µs of nginx's (gateway p50 minus nginx p50)", latency["p50_us"], lambda v: v <= 150, " µs")
    row("added p99 within 1 ms of nginx's (gateway p99 minus nginx p99)", latency["p99_us"], lambda v: v <= 1000, " µs")
    row("throughput at 32 connections >= 0.45 of nginx proxy's", sat32.get("gateway"), lambda v: v >= 0.45, "", 2)
    row("throughput at 256 connections >= 0.45 of nginx proxy's", sat256.get("gateway"), lambda v: v >= 0.45, "", 2)
    row("gateway CPU per request <= 150 µs", spread(cpu["gateway"]), lambda v: v <= 150, " µs")
    row("the same with the JIT compiler threads left out", spread(without_jit.get("gateway", {})),
        lambda v: v <= 150, " µs")
    share = spread(combine(cpu["gateway"], cpu["gateway-noacct"], lambda a, b: (a - b) / b))
    row("accounting adds <= 20 % CPU per request (gateway over gateway-noacct, minus 1)", share, lambda v: v <= 0.20, "", 2)
    row("gateway-noacct CPU per request (what the gateway costs without accounting)", spread(cpu["gateway-noacct"]),
        lambda v: v <= 150, " µs")
    rps_on = per_round(data, "c32", "gateway", "rps")
    rps_off = per_round(data, "c32", "gateway-noacct", "rps")
    drop = spread(combine(rps_off, rps_on, lambda off, on: (off - on) / off))
    row("accounting costs <= 20 % of throughput at 32 connections (1 - gateway / gateway-noacct)", drop,
        lambda v: v <= 0.20, "", 2)
    if soak is not None and soak["slope"] is not None:
        # flat: the trend over the soak moves the live heap by less than 5 % of its settled level
        drift = soak["slope"] * soak["seconds"] / 60
        flat = abs(drift) <= 0.05 * soak["low"]
        out.append(f"| heap flat over the soak, no errors | trend {soak['slope']:+,.0f} KB/min "
                   f"({drift:+,.0f} KB over {soak['seconds']} s, live heap {soak['low']:,} to {soak['high']:,} KB); "
                   f"{soak['errors']:,.0f} errors | {'yes' if flat and soak['errors'] == 0 else 'no'} |")
    out.append("")


def soak_samples(run):
    path = os.path.join(run, "soak.tsv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        next(f)
        return [(int(t), int(kb)) for t, kb in (line.split() for line in f if line.strip())]


def slope_kb_per_min(samples):
    """Least-squares slope of live heap over time, in KB per minute."""
    if len(samples) < 3:
        return None
    xs = [t / 60 for t, _ in samples]
    ys = [kb for _, kb in samples]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else None


def section_soak(run, data, out):
    samples = soak_samples(run)
    if not samples:
        return None
    requests = per_round(data, "soak", "gateway", "requests").get(1, 0)
    errors = per_round(data, "soak", "gateway", "errors").get(1, 0)
    rps = per_round(data, "soak", "gateway", "rps").get(1, 0)
    p50 = per_round(data, "soak", "gateway", "p50_us").get(1, 0)
    p99 = per_round(data, "soak", "gateway", "p99_us").get(1, 0)
    # the first samples include class loading and caches filling: the trend is taken after the first minute
    settled = [s for s in samples if s[0] >= 60] or samples
    slope = slope_kb_per_min(settled)
    out.append("## Soak: live heap under a steady rate\n")
    out.append(f"The gateway under the paced load of the CPU scenario for {samples[-1][0]} s: {requests:,.0f} requests "
               f"({rps:,.0f}/s, p50 {p50:,.0f} µs, p99 {p99:,.0f} µs), {errors:,.0f} errors. Every sample is the heap "
               "in use right after a full GC (`jcmd GC.run`, then `GC.heap_info`), so it is the live heap.\n")
    out.append("| seconds | live heap KB |")
    out.append("| --- | --- |")
    for t, kb in samples:
        out.append(f"| {t} | {kb:,} |")
    low = min(kb for _, kb in settled)
    high = max(kb for _, kb in settled)
    out.append("")
    out.append(f"From the first minute on: {low:,} to {high:,} KB; trend {slope:+,.0f} KB per minute (least squares)."
               if slope is not None else "Too few samples for a trend.")
    out.append("")
    return {"errors": errors, "slope": slope, "low": low, "high": high, "seconds": samples[-1][0]}


def section_checks(run, out):
    out.append("## Ledger after the run\n")
    for n, name in (("on", "gateway"), ("off", "gateway-noacct")):
        verify = read_json(os.path.join(run, f"verify-{n}.json"))
        wallet = read_json(os.path.join(run, f"wallet-{n}.json"))
        out.append(f"- {name}: `GET /admin/ledger/verify` -> {compact(verify)}; wallet -> {compact(wallet)}")
    out.append("")


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def compact(value, limit=400):
    text = json.dumps(value, separators=(",", ":")) if value is not None else "unavailable"
    return text if len(text) <= limit else text[:limit] + "..."


def main():
    run = sys.argv[1]
    data, meta = load(run)
    out = ["# Tollgate benchmark: generated report\n",
           f"- command: `{meta.get('COMMAND')}`",
           f"- parameters: `{meta.get('PARAMS')}`",
           f"- started {meta.get('STARTED_AT')}, finished {meta.get('FINISHED_AT')} (UTC)",
           f"- machine: {meta.get('NPROC')} cores, {meta.get('CPU_MODEL')}, {meta.get('MEMORY')}; {meta.get('JAVA')}",
           f"- {meta.get('NGINX')}; {meta.get('WRK')}; source {meta.get('GIT')}",
           f"- load average before/after the rounds: {meta.get('LOAD_BEFORE')} / {meta.get('LOAD_AFTER')}",
           f"- warm-up: {meta.get('WARMUP_NOTES', 'n/a')}",
           "- every figure: median over rounds (min to max); ratios and differences are taken within a round first",
           ""]
    latency = section_latency(data, out)
    sat32 = section_throughput(data, out, "c32", "Throughput at saturation: 32 connections (`wrk -t2 -c32`)")
    sat256 = section_throughput(data, out, "c256", "Throughput at saturation: 256 connections (`wrk -t2 -c256`)")
    cpu, breakdowns, without_jit = section_cpu(data, meta, run, out)
    section_stream(data, out)
    if any(k[0] == "stream_c1" for k in data):
        section_latency(data, out, "stream_c1", "Streamed answers at one connection, kept alive (`wrk -t1 -c1 --latency`): "
                        "the upstream sends the whole stream at once, so this is about the time to the first chunk "
                        "without a new connection per request")
    if any(k[0] == "stream_c32" for k in data):
        section_throughput(data, out, "stream_c32", "Streamed requests at 32 connections (`wrk -t2 -c32`)")
    section_group_commit(data, out)
    section_own_overhead(data, out)
    soak = section_soak(run, data, out)
    section_targets(out, latency, sat32, sat256, cpu, breakdowns, without_jit, data, soak)
    section_checks(run, out)
    for suffix, name in (("", "gateway"), ("-noacct", "gateway-noacct")):
        profile = os.path.join(run, f"profile{suffix}.txt")
        if os.path.exists(profile):
            out.append(f"## JFR profile of {name} at 32 connections\n")
            out.append("```")
            out.append(open(profile).read().rstrip())
            out.append("```")
    print("\n".join(out))


if __name__ == "__main__":
    main()
