#!/usr/bin/env bash
# What one token-bucket decision costs inside Redis, batched and alone: redis-benchmark runs
# the store's decision script as LimiterScripts composes it, first as one EVALSHA of 32
# decisions (the batcher's shape under load), then as one decision per EVALSHA, and
# INFO commandstats gives usec_per_call (÷ 32 for the batch). 9,600 keys, so that most
# buckets exist, as they do under steady load. Twice each.
#
#   bench/lua-cost.sh [port]
# Needs redis-benchmark and redis-cli (Debian: redis-tools). Scripts of another commit use
# another ARGV layout: compare commits with the script of the same commit.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-26398}"
work=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
source bench/redis-script.sh
start_redis "$port" "$work"
sha=$(load_decision_script "$port" "$work")
# The seed's free policy: 40 tokens at 10/s (unit 100000, gain 1), named; Redis TIME, 1 s slack.
level=(token-bucket:1:40:100000:1 1)
single=(EVALSHA "$sha" 1 'limiter:{bench:developer-__rand_int__}' '' 1000000 0 take '' "${level[@]}")
keys=(); levels=(); batch=""
for i in $(seq 1 32); do keys+=("limiter:{bench:d$i-__rand_int__}"); levels+=("${level[@]}"); batch="$batch${batch:+,}1"; done
batched=(EVALSHA "$sha" 32 "${keys[@]}" '' 1000000 0 take "$batch" "${levels[@]}")
usec() { redis-cli -p "$port" info commandstats | grep cmdstat_evalsha | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/'; }
for round in 1 2; do
  redis-cli -p "$port" config resetstat >/dev/null
  redis-benchmark -p "$port" -c 8 -n 20000 -r 300 "${batched[@]}" >/dev/null 2>&1
  b=$(usec)
  redis-cli -p "$port" config resetstat >/dev/null
  redis-benchmark -p "$port" -c 8 -n 100000 -r 9600 "${single[@]}" >/dev/null 2>&1
  s=$(usec)
  echo "round $round: batched $(python3 -c "print(round($b / 32, 2))") us per decision ($b per call of 32); alone $s us per call"
done
