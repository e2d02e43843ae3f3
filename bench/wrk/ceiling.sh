#!/usr/bin/env bash
# The engine's cost with a global ceiling, over real HTTP, before and after the one-engine change:
#   bench/wrk/ceiling.sh [BEFORE_DIR]
# For each build (this tree; BEFORE_DIR: a checkout of an older commit, already built with
# `./mvnw -pl bench -am package -DskipTests`) and each config (the portal's bundled limits;
# the same plus a `global` ceiling that never refuses) it starts the portal demo, then:
#   - wrk: GET /resource with 12,000 rotating API keys (closed loop), requests per second;
#   - JFR: bytes the whole JVM allocated during that run (jdk.ThreadAllocationStatistics at
#     the start and end of the recording), divided by the requests served;
#   - with Redis (REDIS_URL=embedded): Redis commands per request (INFO commandstats delta).
# wrk, the server and Redis share the machine's CPUs: read the throughput ratios, not the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=$(pwd)
before="${1:-}"
SECONDS_RUN="${SECONDS_RUN:-10}"
PORT="${PORT:-18089}"
out=$(mktemp -d)

limits_plain="$out/plain.yaml"
limits_ceiling="$out/ceiling.yaml"
cp samples/portal-demo/src/main/resources/portal-limits.yaml "$limits_plain"
{ cat "$limits_plain"; echo "global: { algorithm: token-bucket, capacity: 1000000000, refill: 1000000000/s }"; } >"$limits_ceiling"

redis_pid=""; redis_cli=""
cleanup() { [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [[ "${REDIS_URL:-}" == embedded ]]; then
  jar=$(tr ':' '\n' <bench/target/bench.classpath | grep embedded-redis)
  dir=$(mktemp -d)
  unzip -q -o -j "$jar" redis-server-6.2.6-v5-linux-amd64 -d "$dir"
  chmod +x "$dir/redis-server-6.2.6-v5-linux-amd64"
  "$dir/redis-server-6.2.6-v5-linux-amd64" --port 16398 --save '' --appendonly no >/dev/null &
  redis_pid=$!
  sleep 1
  REDIS_URL=redis://127.0.0.1:16398
fi
# Script calls (EVALSHA/EVAL: one per decision or batch) and all data commands, from INFO commandstats.
redis_calls() { redis-cli -p 16398 INFO commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_(evalsha|eval):/ {e+=$3} /^cmdstat_/ && $0 !~ /cmdstat_(info|ping|hello|client|command|script)/ {s+=$3} END {print e+0, s+0}'; }

run() { # label, build dir, limits file
  local label="$1" dir="$2" limits="$3" log jfr
  log="$out/${label//\//-}.log"; jfr="$out/${label//\//-}.jfr"
  (cd "$dir" && PORT="$PORT" LIMITS_FILE="$limits" REDIS_URL="${REDIS_URL:-}" ADMIN_TOKEN=bench-token-0123456789 \
    java -Xms256m -Xmx512m -cp "bench/target/classes:$(cat bench/target/bench.classpath)" dev.limiter.portal.PortalDemoKt >"$log" 2>&1) &
  local pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
  local jpid; jpid=$(pgrep -f "PortalDemoKt" | head -1)
  wrk -t2 -c64 -d5s -s bench/wrk/keys.lua "http://127.0.0.1:$PORT" >/dev/null
  local calls0="0 0"; [[ -n "$redis_pid" ]] && calls0=$(redis_calls)
  jcmd "$jpid" JFR.start name=alloc settings=none +jdk.ThreadAllocationStatistics#enabled=true +jdk.ThreadAllocationStatistics#period=everyChunk >/dev/null 2>&1 || \
    jcmd "$jpid" JFR.start name=alloc >/dev/null
  local result; result=$(wrk -t2 -c64 -d"${SECONDS_RUN}s" -s bench/wrk/keys.lua "http://127.0.0.1:$PORT" | grep '^RESULT' || true)
  jcmd "$jpid" JFR.stop name=alloc filename="$jfr" >/dev/null
  local calls1="0 0"; [[ -n "$redis_pid" ]] && calls1=$(redis_calls)
  local requests rps
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
  rps=$(sed -E 's/.*rate=([0-9.]+).*/\1/' <<<"$result")
  local bytes
  bytes=$(jfr print --json --events jdk.ThreadAllocationStatistics "$jfr" | python3 -c '
import json,sys
ev=json.load(sys.stdin)["recording"]["events"]
first,last={},{}
for e in ev:
    tid=(e["values"].get("thread") or {}).get("javaThreadId")
    a=e["values"]["allocated"]
    first.setdefault(tid,a); last[tid]=a
print(sum(last[t]-first[t] for t in last))')
  local per_request=$(( bytes / (requests > 0 ? requests : 1) ))
  local cmds="-"
  [[ -n "$redis_pid" ]] && cmds=$(python3 -c "
a0,b0='$calls0'.split(); a1,b1='$calls1'.split(); n=max(1,$requests)
print(f'{(int(a1)-int(a0))/n:.2f} scripts, {(int(b1)-int(b0))/n:.2f} commands')")
  printf '%-22s %10s req/s  %8s B/request  %s per request\n' "$label" "$rps" "$per_request" "$cmds"
  kill "$pid" 2>/dev/null; pkill -f PortalDemoKt 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  sleep 1
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c64 -d${SECONDS_RUN}s, 12,000 keys; store: ${REDIS_URL:+Redis}${REDIS_URL:-in memory}"
for round in 1 2; do
  run "after/plain/$round" "$here" "$limits_plain"
  run "after/ceiling/$round" "$here" "$limits_ceiling"
  if [[ -n "$before" ]]; then
    run "before/plain/$round" "$before" "$limits_plain"
    run "before/ceiling/$round" "$before" "$limits_ceiling"
  fi
done
