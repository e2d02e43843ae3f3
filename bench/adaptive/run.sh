#!/usr/bin/env bash
# Adaptive limits under real CPU load: wrk against the portal demo whose free tier follows
# LoadSignal.cpu() (bench/adaptive/limits.yaml, read through LIMITS_FILE), on loopback only.
#
#   bench/adaptive/run.sh            # builds the bench module first (SKIP_BUILD=1 to skip)
#
# Three phases on one running server, one line per second:
#   calm     (CALM s)    wrk alone, paced (PACED_CONNECTIONS connections, PACE_MS after each response)
#   burn     (BURN s)    the same wrk plus BURNERS busy loops: the 2 CPUs saturated
#   recover  (RECOVER s) the burners stopped, wrk still running
# Each line reads the portal's /metrics: the factor gauge and the calls allowed and refused
# (429) by the free policy in that second. wrk rotates WRK_KEYS keys, so at factor 1 the
# limit admits WRK_KEYS x 150 calls a second, and WRK_KEYS x floor(150 x factor) below 1.
# wrk, the burners and the server share the same CPUs, and so does anything else running on
# the machine: LoadSignal.cpu() reads the whole machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

CALM="${CALM:-15}"
BURN="${BURN:-20}"
RECOVER="${RECOVER:-25}"
BURNERS="${BURNERS:-3}"
THREADS="${THREADS:-1}"
PACED_CONNECTIONS="${PACED_CONNECTIONS:-20}"
PACE_MS="${PACE_MS:-10}"
WRK_KEYS="${WRK_KEYS:-4}"
PORT="${PORT:-18089}"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -B -q -o -pl bench -am package -DskipTests
fi
classpath="bench/target/classes:$(cat bench/target/bench.classpath)"
url="http://127.0.0.1:$PORT"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

log=$(mktemp)
PORT="$PORT" LIMITS_FILE=bench/adaptive/limits.yaml java -Xms256m -Xmx512m -cp "$classpath" \
  dev.limiter.portal.PortalDemoKt >"$log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 600); do
  curl -sf "$url/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the portal demo did not start:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done

# Totals of the free policy's allowed and rejected calls, and the factor, from /metrics.
read_metrics() {
  curl -sf "$url/metrics" | awk '
    /^limiter_requests_total\{/ && /policy="free"/ && /outcome="allowed"/ { a += $NF }
    /^limiter_requests_total\{/ && /policy="free"/ && /outcome="rejected"/ { r += $NF }
    /^limiter_adaptive_factor/ { f = $NF }
    END { printf "%d %d %s\n", a, r, (f == "" ? "-" : f) }'
}

total=$((CALM + BURN + RECOVER))
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(nproc) CPUs, load before $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$THREADS -c$PACED_CONNECTIONS delay ${PACE_MS} ms, $WRK_KEYS keys; $BURNERS burners for ${BURN}s after ${CALM}s"
WRK_KEYS="$WRK_KEYS" PACE_MS="$PACE_MS" wrk -t"$THREADS" -c"$PACED_CONNECTIONS" -d"$((total + 2))s" \
  -s bench/wrk/keys.lua "$url" >/dev/null &
pids+=("$!")

echo "second phase factor allowed/s rejected/s"
read -r a0 r0 _ < <(read_metrics)
for t in $(seq 1 "$total"); do
  phase=calm
  if (( t > CALM )); then phase=burn; fi
  if (( t > CALM + BURN )); then phase=recover; fi
  if (( t == CALM + 1 )); then
    for _ in $(seq 1 "$BURNERS"); do
      timeout "$BURN" sh -c 'while :; do :; done' &
      pids+=("$!")
    done
  fi
  sleep 1
  read -r a r f < <(read_metrics)
  echo "$t $phase $f $((a - a0)) $((r - r0))"
  a0=$a; r0=$r
done
grep -c "adaptive limits:" "$log" | sed 's/^/# factor changes logged: /'
grep "adaptive limits:" "$log" | head -40 | sed 's/^/# /'
rm -f "$log"
