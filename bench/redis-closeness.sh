#!/usr/bin/env bash
# Our Redis store against the limits of its server, in one run on one redis-server:
#   1. redis-benchmark running the store's own decision script (one decision per EVALSHA,
#      64 clients, 12,000 keys: the per-call ceiling), before and after the JVM load;
#   2. RedisLoad (ours, Bucket4j-Lettuce and the one-GET floor: 64 blocking callers, 64 async
#      calls in flight from one thread, and 1,200/s open loop), then two more rounds of ours
#      and Bucket4j's 64-caller rows, for a median of three ratios;
#   3. INFO commandstats usec_per_call of the script against a plain SET.
# Needs redis-benchmark and redis-cli (Debian: apt-get install -y redis-tools) and a built
# bench module (./mvnw -B -q -pl bench -am package -DskipTests). Writes bench/results/redis-closeness-*.
#
#   bench/redis-closeness.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-26399}"
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

source bench/redis-script.sh
start_redis "$port" "$work"
sha=$(load_decision_script "$port" "$work")
# The seed's free policy: 40 tokens at 10/s (unit 100000, gain 1), named, Redis TIME, 1 s slack.
decision=(EVALSHA "$sha" 1 'limiter:{bench:developer-__rand_int__}' '' 1000000 0 take '' token-bucket:1:40:100000:1 1)

bench() { redis-benchmark -p "$port" -c 64 -n 150000 -r 12000 --csv "$@" 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"'; }
usec() { redis-cli -p "$port" info commandstats | grep "cmdstat_$1:" | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/'; }

redis-cli -p "$port" config resetstat >/dev/null
before=$(bench "${decision[@]}")
script_usec=$(usec evalsha); inner_set_usec=$(usec set)
redis-cli -p "$port" config resetstat >/dev/null
set_rps=$(bench SET 'limiter:{bench:plain-__rand_int__}' '3900000:1796271071323764:40:100000')
set_usec=$(usec set)
classpath="bench/target/classes:$(cat bench/target/bench.classpath)"
java -cp "$classpath" dev.limiter.bench.RedisLoad --uri "redis://127.0.0.1:$port" --out "$out/redis-closeness-load.json" \
  --seconds 5 --warmup 4 --callers 1,64 --async-callers 64 --rate 1200 > "$work/load.log" 2>&1
# Two more rounds of the rows the Bucket4j ratios come from: throughput here drifts by 10-20%
# from one JVM to the next, so each ratio is reported per round and as the median of three.
for round in 2 3; do
  java -cp "$classpath" dev.limiter.bench.RedisLoad --uri "redis://127.0.0.1:$port" --out "$out/redis-closeness-load-r$round.json" \
    --seconds 5 --warmup 4 --callers 64 --async-callers 64 --rate 0 --only limiter,bucket4j-lettuce >> "$work/load.log" 2>&1
done
after=$(bench "${decision[@]}")
python3 - "$out/redis-closeness-load.json" "$before" "$after" "$script_usec" "$inner_set_usec" "$set_usec" "$set_rps" "$(cat /proc/loadavg)" <<'PY' | tee "$out/redis-closeness.txt"
import json, statistics, sys
rows = json.load(open(sys.argv[1]))["results"]
rounds = [rows] + [json.load(open(sys.argv[1].replace(".json", f"-r{r}.json")))["results"] for r in (2, 3)]
before, after, script_usec, inner_set, set_usec, set_rps, load = sys.argv[2:]
def row(c, mode, callers):
    return next(r for r in rows if r["contender"] == c and r["mode"] == mode and r["callers"] == callers)
ours, peer = row("limiter", "closed", 64), row("bucket4j-lettuce", "closed", 64)
rb = (float(before) + float(after)) / 2
print(f"loadavg at end: {load}")
print(f"redis-benchmark, same EVALSHA, 64 clients: {before} / {after} calls/s (mean {rb:.0f}); plain SET {set_rps}/s")
print(f"usec_per_call: decision script {script_usec} (its inner SET {inner_set}), plain SET {set_usec}")
for c in ("floor-one-get", "limiter", "bucket4j-lettuce"):
    for r in rows:
        if r["contender"] == c:
            print(f"{c:17} {r['mode']:6} callers={r['callers']:3} rate={r['rate']:5} {r['throughput']:9.1f}/s "
                  f"p50={r['p50_us']:.0f}us p99={r['p99_us']:.0f}us round trips/decision={r['roundTripsPerDecision']:.3f}")
asyncs = {c: row(c, "async", 64) for c in ("limiter", "bucket4j-lettuce", "floor-one-get")}
def ratios(mode):
    return [next(r for r in rs if r["contender"] == "limiter" and r["mode"] == mode and r["callers"] == 64)["throughput"]
            / next(r for r in rs if r["contender"] == "bucket4j-lettuce" and r["mode"] == mode and r["callers"] == 64)["throughput"]
            for rs in rounds]
for mode, label in (("closed", "64 blocking callers"), ("async", "64 async in flight")):
    rs = ratios(mode)
    print(f"ratio ours / Bucket4j-Lettuce ({label}): rounds {' / '.join(f'{r:.2f}' for r in rs)}, median {statistics.median(rs):.2f}")
print(f"ratio ours / redis-benchmark same EVALSHA (blocking): {ours['throughput'] / rb:.2f}")
print(f"ratio ours / redis-benchmark same EVALSHA (async):    {asyncs['limiter']['throughput'] / rb:.2f}")
print(f"ratio ours / one plain GET per call (async floor):   {asyncs['limiter']['throughput'] / asyncs['floor-one-get']['throughput']:.2f}")
for c in ("limiter", "bucket4j-lettuce", "floor-one-get"):
    print(f"p99 at 1,200/s, {c}: {row(c, 'open', 64)['p99_us']:.0f} us (p50 {row(c, 'open', 64)['p50_us']:.0f} us)")
PY
