#!/usr/bin/env bash
# HTTP figures with wrk (Debian package `wrk`) against the portal demo, 12,000 API keys.
#
#   bench/wrk/run.sh                      # in-memory buckets
#   REDIS_URL=redis://127.0.0.1:6379 bench/wrk/run.sh   # then the same with the Redis store
#   REDIS_URL=embedded bench/wrk/run.sh   # ... on a redis-server 6.2 taken from the embedded-redis jar
#
# For each store it starts the portal demo (from the bench module's classpath), warms it up,
# then measures, on the same server:
#   1. GET /resource (limited per X-API-Key, keys rotated by keys.lua), closed loop, max rate
#   2. GET /health (unlimited), the same connections: the ratio 1 ÷ 2 is the limiter's cost.
#      1 and 2 alternate ROUNDS times (default 3) after WARMUP seconds of each (default 15, long
#      enough for the JIT to settle); each round gives a ratio, and the median is printed.
#      With REDIS_URL set, /health also probes Redis once per request (see ObservabilityRoutes).
#   3. GET /resource paced at about 2,500 req/s: wrk 4.1 has no -R (wrk2 is not packaged), so
#      keys.lua's delay() makes each of PACED_CONNECTIONS connections wait PACE_MS after every
#      response; 50 connections × 1 / (19 ms + latency) ≈ 2,500/s. The achieved rate is printed
#      and must be read next to the p99 (a slow server lowers the rate instead of queueing).
# wrk runs on the same machine as the server and shares its CPUs.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_RUN="${SECONDS_RUN:-15}"
WARMUP="${WARMUP:-15}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
PACED_CONNECTIONS="${PACED_CONNECTIONS:-50}"
PACE_MS="${PACE_MS:-19}"
PORT="${PORT:-18088}"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -B -q -o -pl bench -am package -DskipTests
fi
classpath="bench/target/classes:$(cat bench/target/bench.classpath)"

measure() { # label, wrk args...
  local label="$1"; shift
  local line
  line=$(wrk "$@" | grep '^RESULT' || true)
  echo "$label ${line#RESULT }"
}

run_store() { # label, redis url or empty
  local label="$1" redis="$2" log
  log=$(mktemp)
  PORT="$PORT" REDIS_URL="$redis" java -Xms256m -Xmx512m -cp "$classpath" \
    dev.limiter.portal.PortalDemoKt >"$log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "the portal demo did not start:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.2
  done
  local url="http://127.0.0.1:$PORT"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s bench/wrk/keys.lua "$url" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s bench/wrk/health.lua "$url" >/dev/null
  local ratios=() r resource health
  for r in $(seq 1 "$ROUNDS"); do
    resource=$(measure "$label resource" -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" -s bench/wrk/keys.lua "$url")
    health=$(measure "$label health  " -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" -s bench/wrk/health.lua "$url")
    echo "$resource round=$r"; echo "$health round=$r"
    ratios+=("$(python3 -c 'import re,sys; f=lambda s: float(re.search(r"rate=([0-9.]+)", s).group(1)); print(f"{f(sys.argv[1]) / f(sys.argv[2]):.3f}")' "$resource" "$health")")
  done
  echo "$label ratio resource/health per round: ${ratios[*]}; median $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')"
  PACE_MS="$PACE_MS" measure "$label paced   " -t"$THREADS" -c"$PACED_CONNECTIONS" -d"${SECONDS_RUN}s" \
    -s bench/wrk/keys.lua "$url"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$log"
}

redis_pid=""
cleanup() { [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [[ "${REDIS_URL:-}" == embedded ]]; then
  jar=$(tr ':' '\n' <bench/target/bench.classpath | grep embedded-redis)
  dir=$(mktemp -d)
  unzip -q -o -j "$jar" redis-server-6.2.6-v5-linux-amd64 -d "$dir"
  chmod +x "$dir/redis-server-6.2.6-v5-linux-amd64"
  "$dir/redis-server-6.2.6-v5-linux-amd64" --port 16399 --save '' --appendonly no >/dev/null &
  redis_pid=$!
  sleep 1
  REDIS_URL=redis://127.0.0.1:16399
fi

echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s, paced -c$PACED_CONNECTIONS delay ${PACE_MS} ms"
run_store local ""
if [[ -n "${REDIS_URL:-}" ]]; then
  run_store redis "$REDIS_URL"
fi
