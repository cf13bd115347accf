#!/usr/bin/env python3
"""Summarizes a JFR recording of the gateway: where its threads spend the samples, the hottest frames, and
the hottest Tollgate methods counted inclusively (a method counts once per sample it is anywhere on).

Usage: bench/jfr_top.py FILE.jfr [TOP] [REQUESTS]
With REQUESTS (the requests served while recording), each line also gives its samples per 1,000 requests, which
compares two recordings taken with the same settings (the gateway with and without accounting).
Java samples (jdk.ExecutionSample) and native samples (jdk.NativeMethodSample, e.g. SQLite's C code) are
counted together; native samples of idle threads (waiting in epoll, parked, sleeping) are left out.
"""
import collections
import json
import subprocess
import sys

IDLE_TOPS = ("sun.nio.ch.EPoll.wait", "io.netty.channel.epoll.Native.epollWait0", "io.netty.channel.epoll.Native.epollWait", "jdk.internal.misc.Unsafe.park", "java.lang.Object.wait",
             "java.lang.Thread.sleep", "sun.nio.ch.Net.accept", "sun.nio.ch.Net.poll",
             "sun.nio.ch.SocketDispatcher.read", "java.lang.ref.Reference.waitForReferencePendingList")


def frame_name(frame):
    method = frame.get("method") or {}
    owner = ((method.get("type") or {}).get("name") or "?").replace("/", ".")
    return owner + "." + (method.get("name") or "?")


def thread_group(name):
    if name.startswith("vert.x-eventloop"):
        return "event loops"
    if name == "tollgate-store-writer":
        return "store writer"
    if name.startswith("tollgate-store-read") or name.startswith("tollgate-readers"):
        return "store readers"
    return "other: " + name


def main():
    path = sys.argv[1]
    top_n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    requests = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].isdigit() and int(sys.argv[3]) > 0 else 0
    text = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample", path],
                          check=True, capture_output=True, text=True).stdout
    events = json.loads(text)["recording"]["events"]
    self_counts = collections.Counter()
    inclusive = collections.Counter()
    by_thread = collections.Counter()
    total = 0
    for event in events:
        values = event["values"]
        frames = [frame_name(f) for f in ((values.get("stackTrace") or {}).get("frames") or [])]
        if not frames:
            continue
        if event["type"] == "jdk.NativeMethodSample" and frames[0].startswith(IDLE_TOPS):
            continue
        thread = (values.get("sampledThread") or {}).get("javaName") or "?"
        total += 1
        by_thread[thread_group(thread)] += 1
        self_counts[frames[0]] += 1
        for name in set(frames):
            if name.startswith("io.tollgate.") and "$$Lambda" not in name:
                inclusive[name] += 1
    if total == 0:
        print("no samples")
        return
    def line(name, count):
        per = f"  {1000.0 * count / requests:7.2f}/1k req" if requests else ""
        return f"  {100.0 * count / total:5.1f}%{per}  {name}"

    print(f"busy samples: {total} (Java and native; idle native samples left out)"
          + (f", {requests} requests" if requests else ""))
    print("\nby thread:")
    for name, count in by_thread.most_common():
        print(line(name, count))
    print(f"\ntop {top_n} frames (self):")
    for name, count in self_counts.most_common(top_n):
        print(line(name, count))
    print(f"\ntop {top_n} Tollgate methods (inclusive):")
    for name, count in inclusive.most_common(top_n):
        print(line(name, count))


if __name__ == "__main__":
    main()
