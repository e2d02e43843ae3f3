#!/usr/bin/env bash
# Runs one benchmark suite for real, keeps its raw results in bench/results/ and rewrites
# docs/performance.md from every result there.
#
#   bench/run.sh local    JMH: tryAcquire on one key and on 12,000 keys, vs the peers, -prof gc
#   bench/run.sh queue    JMH: granting from a non-empty queue vs a paced fair Semaphore
#   bench/run.sh redis    load: decisions/s and latency against a real Redis, commands/decision
#   bench/run.sh http     load: the seed's traffic model over HTTP, with and without rate limiting
#   bench/run.sh service  load: the portal's POST /v1/check at 64 clients, local and Redis store
#   bench/run.sh all      all of the above
#   bench/run.sh report   only rewrite docs/performance.md from bench/results/
#
# JMH settings (2 shared cores): 1 fork, 2 x 1 s warmup, 5 x 1 s measurement: five samples give
# a 99.9% interval about 4x narrower than three of 2 s in the same time. Override with JMH_OPTS,
# e.g. JMH_OPTS="-f 1 -wi 1 -w 1s -i 1 -r 1s" for a quick look.
set -euo pipefail
cd "$(dirname "$0")/.."

suite="${1:-}"
case "$suite" in
  local|queue|redis|http|service|all|report) ;;
  *) echo "usage: bench/run.sh local|queue|redis|http|service|all|report (got '${suite}')" >&2; exit 2 ;;
esac

results=bench/results
mkdir -p "$results"
JMH_OPTS="${JMH_OPTS:--f 1 -wi 2 -w 1s -i 5 -r 1s}"

if [[ "$suite" != report ]]; then
  ./mvnw -B -q -pl bench -am package -DskipTests
fi
classpath="bench/target/classes:$(cat bench/target/bench.classpath 2>/dev/null || true)"

# Records where and how a suite ran, next to its numbers.
meta() {
  local name="$1" command="$2" settings="$3"
  python3 - "$results/$name.meta.json" "$command" "$settings" <<'PY'
import json, os, platform, subprocess, sys, datetime
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
jdk = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip().splitlines()
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "command": sys.argv[2],
    "settings": sys.argv[3],
    "cpus": os.cpu_count(),
    "cpu": cpu,
    "os": f"{platform.system()} {platform.release()}",
    "jdk": " / ".join(jdk[:3]),
    "loadavg": open("/proc/loadavg").read().split()[:3],
}, open(sys.argv[1], "w"), indent=1)
PY
}

run_local() {
  meta local "bench/run.sh local" "JMH $JMH_OPTS -prof gc, once with -t 1 and once with -t 2"
  for threads in 1 2; do
    java -cp "$classpath" org.openjdk.jmh.Main 'dev.limiter.bench.Local(SingleKey|ManyKeys)Benchmark' \
      $JMH_OPTS -t "$threads" -prof gc -rf json -rff "$results/local-t$threads.json"
  done
}

run_queue() {
  meta queue "bench/run.sh queue" "JMH $JMH_OPTS -prof gc, 8 threads"
  java -cp "$classpath" org.openjdk.jmh.Main 'dev.limiter.bench.QueueGrantBenchmark' \
    $JMH_OPTS -prof gc -rf json -rff "$results/queue.json"
}

run_redis() {
  meta redis "bench/run.sh redis" "RedisLoad --seconds 5 --warmup 2"
  java -cp "$classpath" dev.limiter.bench.RedisLoad --out "$results/redis.json" --seconds 5 --warmup 2
}

run_http() {
  meta http "bench/run.sh http" "HttpLoad --seconds 20 --warmup 5"
  java -cp "$classpath" dev.limiter.bench.HttpLoad --out "$results/http.json" --seconds 20 --warmup 5
}

run_service() {
  meta service "bench/run.sh service" "ServiceLoad --seconds 10 --warmup 3 --callers 64"
  java -cp "$classpath" dev.limiter.bench.ServiceLoad --out "$results/service.json" --seconds 10 --warmup 3 --callers 64
}

case "$suite" in
  local) run_local ;;
  service) run_service ;;
  http) run_http ;;
  queue) run_queue ;;
  redis) run_redis ;;
  all) run_local; run_queue; run_redis; run_http; run_service ;;
  report) ;;
esac
python3 bench/report.py "$results" docs/performance.md
echo "wrote docs/performance.md"
