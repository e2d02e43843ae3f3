#!/usr/bin/env bash
# The chaos run (issue 14): three portal nodes, Redis master + replica + Sentinel, steady load
# for about a minute while Redis is paused, killed, restarted empty and failed over.
# Builds the bench module, then runs dev.limiter.bench.chaos.ChaosRun; exits 1 on a failed check.
# See docs/reliability.md ("Chaos run") for what it checks and the last figures.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -o -pl bench -am package -DskipTests
java -cp "bench/target/classes:$(cat bench/target/bench.classpath)" dev.limiter.bench.chaos.ChaosRun "$@" \
  | grep --line-buffered -v "rate limit exceeded"  # the portal logs every 429; the table is what matters
