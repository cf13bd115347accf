#!/usr/bin/env bash
# Builds and runs the JMH microbenchmarks in bench/jmh (see bench/README.md). Extra arguments go to JMH,
# e.g. `bench/jmh/run.sh CostsBench -f 1 -wi 2 -i 3`. Default: a short run of every benchmark.
# GATEWAY_DIR=/path/to/a/checkout benchmarks that checkout's src/main instead of this one's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gateway="$(cd "${GATEWAY_DIR:-$here/../..}" && pwd)"
cd "$here"
# clean: classes of another checkout's sources must not linger
mvn -B -q clean compile dependency:build-classpath -Dgateway.dir="$gateway" \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
cp="target/classes:$(cat target/classpath.txt)"
if [ "$#" -eq 0 ]; then
  set -- -f 1 -wi 3 -w 1s -i 5 -r 1s -rf json -rff target/jmh-result.json
fi
echo "benchmarking the sources of $gateway ($(git -C "$gateway" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout'))" >&2
exec java -cp "$cp" org.openjdk.jmh.Main "$@"
