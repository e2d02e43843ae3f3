#!/usr/bin/env python3
"""Writes docs/performance.md from the raw results in bench/results/.

Every table is generated from a results file next to the metadata of its run (machine,
load, command); the prose closing note comes from bench/notes.md, written by hand.

Usage: python3 bench/report.py RESULTS_DIR OUTPUT_MD
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

OURS = ["oursSuspend", "oursJavaFacade"]
PEERS = ["bucket4j", "resilience4j", "guava"]
LABELS = {
    "oursSuspend": "limiter, Kotlin suspend `tryAcquire`",
    "oursJavaFacade": "limiter, Java `BlockingRateLimiter.tryAcquire`",
    "bucket4j": "Bucket4j 8.19.0 lock-free `Bucket`",
    "resilience4j": "Resilience4j 2.4.0 `AtomicRateLimiter`",
    "guava": "Guava 33.8.0 `RateLimiter`",
    "oursAcquire": "limiter, Java `acquire` (blocking)",
    "oursQueueRequest": "limiter, Java `queueRequest` (blocking)",
    "fairSemaphore": "fair `java.util.concurrent.Semaphore`, paced",
}


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def versions():
    root = ET.parse(os.path.join(os.path.dirname(__file__), "..", "pom.xml")).getroot()
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    props = root.find("m:properties", ns)
    keep = ["kotlin.version", "coroutines.version", "jmh.version", "bucket4j.version",
            "resilience4j.version", "guava.version", "lettuce.version", "embedded-redis.version",
            "hdrhistogram.version", "ktor.version"]
    return {k: props.find("m:" + k, ns).text for k in keep if props.find("m:" + k, ns) is not None}


def machine(meta):
    if meta is None:
        return "_(no metadata recorded)_"
    settings = f" ({meta['settings']})" if meta.get("settings") else ""
    return (f"Run `{meta['command']}`{settings} on {meta['date']}: {meta['cpus']} CPUs ({meta['cpu']}), "
            f"{meta['os']}, {meta['jdk']}; load average {' '.join(meta['loadavg'])} when it started "
            f"(the machine is shared, so numbers are lower and far noisier than on an idle box; "
            f"compare within one run, and only where the error bars allow).")


def secondary(row, name):
    for key, value in row.get("secondaryMetrics", {}).items():
        if key.lstrip("·") == name:
            return value["score"]
    return None


def method(row):
    return row["benchmark"].rsplit(".", 1)[1]


def klass(row):
    return row["benchmark"].rsplit(".", 2)[1]


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def local_section(out, rows, meta):
    groups = {}
    for row in rows:
        key = (klass(row), row.get("params", {}).get("scenario", "-"), row["threads"])
        groups.setdefault(key, {})[method(row)] = row
    out.append(machine(meta) + "\n")
    titles = {"LocalSingleKeyBenchmark": "one key", "LocalManyKeysBenchmark": "12,000 keys, a random key per call"}
    for (cls, scenario, threads), by_method in sorted(groups.items()):
        out.append(f"### `tryAcquire`, {titles.get(cls, cls)}, scenario {scenario}, {threads} thread(s)\n")
        peers_note = " (a `ConcurrentHashMap` of them)" if cls == "LocalManyKeysBenchmark" else ""
        out.append("| Implementation | ops/µs | ± (99.9%) | B/op | suspend ÷ this | Java ÷ this |")
        out.append("|---|---:|---:|---:|---:|---:|")
        ours_s = by_method.get("oursSuspend", {}).get("primaryMetric", {}).get("score")
        ours_j = by_method.get("oursJavaFacade", {}).get("primaryMetric", {}).get("score")
        for m in OURS + PEERS:
            if m not in by_method:
                continue
            r = by_method[m]
            score = r["primaryMetric"]["score"]
            label = LABELS[m] + (peers_note if m in PEERS else "")
            ratio_s = fmt(ours_s / score) if ours_s and m != "oursSuspend" else ""
            ratio_j = fmt(ours_j / score) if ours_j and m != "oursJavaFacade" else ""
            out.append(f"| {label} | {fmt(score)} | {fmt(r['primaryMetric']['scoreError'])} | "
                       f"{fmt(secondary(r, 'gc.alloc.rate.norm'), 1)} | {ratio_s} | {ratio_j} |")
        out.append("")
    return groups


def score(groups, cls, scenario, threads, m):
    row = groups.get((cls, scenario, threads), {}).get(m)
    return None if row is None else row["primaryMetric"]["score"]


def separated(a, b):
    """Whether two JMH results differ by more than their 99.9% error bars combined."""
    return abs(a["score"] - b["score"]) > a["scoreError"] + b["scoreError"]


def targets_section(out, groups):
    out.append("A ratio is only evidence when the two scores differ by more than their error bars "
               "combined (column \"beyond noise\"); on this loaded machine most do not.\n")
    out.append("| Target | Measured | Met | Beyond noise |")
    out.append("|---|---|---|---|")

    def metric(cls, scenario, threads, m):
        row = groups.get((cls, scenario, threads), {}).get(m)
        return None if row is None else row["primaryMetric"]

    def ratio_line(name, a, b, limit, higher=True):
        if a is None or b is None:
            out.append(f"| {name} | not measured | - | - |")
            return
        ratio = a["score"] / b["score"]
        met = ratio >= limit if higher else ratio <= limit
        out.append(f"| {name} | {ratio:.2f} | {'yes' if met else '**no**'} | {'yes' if separated(a, b) else 'no'} |")

    for threads in (1, 2):
        ratio_line(f"one key, {threads} thread(s), allowed: suspend `tryAcquire` ÷ Bucket4j >= 1.0",
                   metric("LocalSingleKeyBenchmark", "ALLOWED", threads, "oursSuspend"),
                   metric("LocalSingleKeyBenchmark", "ALLOWED", threads, "bucket4j"), 1.0)
    for threads in (1, 2):
        ratio_line(f"one key, {threads} thread(s), allowed: Kotlin call ÷ Java facade <= 1.3",
                   metric("LocalSingleKeyBenchmark", "ALLOWED", threads, "oursSuspend"),
                   metric("LocalSingleKeyBenchmark", "ALLOWED", threads, "oursJavaFacade"), 1.3, higher=False)
    for threads in (1, 2):
        ratio_line(f"12,000 keys, {threads} thread(s), allowed: suspend `tryAcquire` ÷ map of Bucket4j buckets >= 1.0",
                   metric("LocalManyKeysBenchmark", "ALLOWED", threads, "oursSuspend"),
                   metric("LocalManyKeysBenchmark", "ALLOWED", threads, "bucket4j"), 1.0)

    def line(name, value, limit, detail):
        if value is None:
            out.append(f"| {name} | not measured | - | - |")
            return
        out.append(f"| {name} | {detail}{value:.1f} | {'yes' if value <= limit + 0.5 else '**no**'} | (exact) |")
    row = groups.get(("LocalSingleKeyBenchmark", "ALLOWED", 1), {}).get("oursSuspend")
    alloc = secondary(row, "gc.alloc.rate.norm") if row else None
    # A Decision is 56 bytes with compressed oops: 12 header + 4 longs + a boolean + 2 references, 8-aligned.
    line("one key, allowed, 1 thread: bytes allocated per suspend `tryAcquire` <= 56 (one `Decision`)",
         alloc, 56, detail="B/op ")
    row = groups.get(("LocalSingleKeyBenchmark", "ALLOWED", 2), {}).get("oursSuspend")
    alloc = secondary(row, "gc.alloc.rate.norm") if row else None
    line("one key, allowed, 2 threads: bytes allocated per suspend `tryAcquire` <= 56 (one `Decision`)",
         alloc, 56, detail="B/op ")
    out.append("")


def queue_section(out, rows, meta):
    out.append(machine(meta) + "\n")
    out.append("8 threads wait at once for permits handed out at 100,000/s from a bucket of one; "
               "the ideal score is 0.10 ops/µs (the rate itself).\n")
    out.append("| Implementation | grants/µs | ± (99.9%) | share of the ideal rate | B/op |")
    out.append("|---|---:|---:|---:|---:|")
    for row in sorted(rows, key=method):
        s = row["primaryMetric"]["score"]
        out.append(f"| {LABELS.get(method(row), method(row))} | {fmt(s, 4)} | "
                   f"{fmt(row['primaryMetric']['scoreError'], 4)} | {s / 0.1:.0%} | "
                   f"{fmt(secondary(row, 'gc.alloc.rate.norm'), 0)} |")
    out.append("")


def redis_section(out, data, meta):
    out.append(machine(meta) + "\n")
    out.append(f"{data['keys']:,} keys, a random key per decision, the seed's `free` policy (token bucket "
               f"of 40, 10/s); {data['warmupSeconds']} s warmup then {data['seconds']} s measured per row; "
               f"Redis 6.2 from the embedded-redis jar on the same machine; every contender starts "
               f"from an empty Redis (`FLUSHALL`, `CONFIG RESETSTAT`).\n")
    out.append("Two command counts per decision: **round trips**, the commands the Lettuce client sent "
               "(counted by a `CommandLatencyRecorder` on each contender's client), and **server commands** "
               "from `INFO commandstats`, which also counts the commands a Lua script runs inside Redis.\n")
    out.append("| Contender | Load | decisions/s | p50 µs | p99 µs | p99.9 µs | max µs | allowed | errors | "
               "round trips/decision | server commands/decision (`INFO commandstats`) |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in data["results"]:
        load_text = (f"{r['callers']} callers, closed loop" if r["mode"] == "closed"
                     else f"open loop, {r['rate']:,}/s")
        def per(counts):
            return ", ".join(f"{k} {v / r['decisions']:.2f}" for k, v in counts.items()) if r["decisions"] else ""
        sent = (f"**{r['roundTripsPerDecision']:.2f}** ({per(r['sent'])})" if "sent" in r else "not counted")
        out.append(f"| {r['contender']} | {load_text} | {r['throughput']:,.0f} | {r['p50_us']:,.0f} | "
                   f"{r['p99_us']:,.0f} | {r['p999_us']:,.0f} | {r['max_us']:,.0f} | "
                   f"{r['allowed'] / max(r['decisions'], 1):.0%} | {r['errors']} | {sent} | "
                   f"{r['commandsPerDecision']:.2f} ({per(r['commands'])}) |")
    out.append("")
    by = {}
    for r in data["results"]:
        by.setdefault((r["mode"], r["callers"], r["rate"]), {})[r["contender"]] = r
    ratios = []
    for (mode, callers, rate), contenders in sorted(by.items()):
        if "limiter" in contenders and "bucket4j-lettuce" in contenders:
            o, b = contenders["limiter"], contenders["bucket4j-lettuce"]
            what = f"{callers} callers" if mode == "closed" else f"open loop {rate}/s"
            ratios.append(f"| {what} | {o['throughput'] / b['throughput']:.2f} | "
                          f"{b['p99_us'] / max(o['p99_us'], 1e-9):.2f} |")
    if ratios:
        out.append("| Load | limiter ÷ Bucket4j decisions/s | Bucket4j p99 ÷ limiter p99 |")
        out.append("|---|---:|---:|")
        out.extend(ratios)
        out.append("")


def http_section(out, data, meta):
    out.append(machine(meta) + "\n")
    out.append(f"The seed's traffic model (`TrafficModel.java`): 12,000 keys drawn from a Zipf law, 500 req/s "
               f"steady and 1,200 req/s bursts of 4 s in every 10 s; {data['warmupSeconds']} s warmup on other "
               f"keys, then {data['seconds']} s measured; the same seeded plan for every variant. Policy: the "
               f"seed's `free` (40, 10/s) per `X-API-Key`. Server (Ktor CIO) and load generator "
               f"({data['workers']} threads, `java.net.http`) share the machine. Latency counts from each "
               f"request's planned start. The theoretical 429 share is what an exact token bucket denies on "
               f"the same plan.\n")
    base = next((r for r in data["results"] if r["variant"] == "none"), None)
    out.append("| App | requests | p50 µs | p99 µs | p99.9 µs | added p50 µs | added p99 µs | 429 share | "
               "theoretical 429 share | errors |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in data["results"]:
        add50 = f"{r['p50_us'] - base['p50_us']:+,.0f}" if base and r is not base else ""
        add99 = f"{r['p99_us'] - base['p99_us']:+,.0f}" if base and r is not base else ""
        theo = f"{r['theoretical429']:.2%}" if r["variant"] != "none" else "(no limit)"
        out.append(f"| {r['variant']} | {r['requests']:,} | {r['p50_us']:,.0f} | {r['p99_us']:,.0f} | "
                   f"{r['p999_us']:,.0f} | {add50} | {add99} | {r['ratio429']:.2%} | {theo} | {r['errors']} |")
    out.append("")


def service_section(out, data, meta):
    out.append(machine(meta) + "\n")
    out.append(f"The portal demo's `POST /v1/check` (`{{\"key\": \"developer-N\", \"policy\": \"free\"}}`, N random "
               f"of 12,000), {data['callers']} clients one request after another; {data['warmupSeconds']} s warmup, "
               f"{data['seconds']} s measured; server and clients share the machine.\n")
    out.append("| Portal store | checks/s | p50 µs | p95 µs | p99 µs | max µs | allowed | errors |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in data["results"]:
        out.append(f"| {r['variant']} | {r['throughput']:,.0f} | {r['p50_us']:,.0f} | {r['p95_us']:,.0f} | "
                   f"{r['p99_us']:,.0f} | {r['max_us']:,.0f} | {r['allowed'] / max(r['requests'], 1):.0%} | "
                   f"{r['errors']} |")
    out.append("")


def main():
    results, target = sys.argv[1], sys.argv[2]
    here = os.path.dirname(__file__)
    out = ["# Performance", "",
           "_Generated by `bench/report.py` from the raw results in `bench/results/`; do not edit by hand._",
           "_Re-run a suite with the command shown above its tables; `bench/run.sh report` rewrites this page._",
           "",
           "Every number below was measured on the machine described with it, by the command "
           "named with it. `./mvnw -B verify` runs every benchmark in a smoke mode (a fraction of a "
           "second each, no numbers kept) so that they keep compiling and working; see "
           "[`bench/README.md`](../bench/README.md).", "",
           "Versions: " + ", ".join(f"{k.replace('.version', '')} {v}" for k, v in versions().items()) + ".", ""]

    # The second wave's targets, met or not, written by hand from the bench/*-results.md files.
    summary = os.path.join(here, "summary.md")
    if os.path.exists(summary):
        out.append(open(summary).read().rstrip() + "\n")

    local_rows = []
    for t in (1, 2):
        rows = load(os.path.join(results, f"local-t{t}.json"))
        if rows:
            local_rows += rows
    out.append("## Local store: `tryAcquire`\n")
    groups = {}
    if local_rows:
        out.append("Higher ops/µs is better; a ratio above 1.00 means ours is faster. "
                   "B/op is `gc.alloc.rate.norm`. Scenarios and where the peers' semantics differ: "
                   "`bench/src/main/java/dev/limiter/bench/Scenario.java`.\n")
        groups = local_section(out, local_rows, load(os.path.join(results, "local.meta.json")))
        out.append("### Targets from the core issue\n")
        targets_section(out, groups)
    else:
        out.append("_Not run yet: `bench/run.sh local`._\n")

    out.append("## Queue: granting from a non-empty queue\n")
    queue = load(os.path.join(results, "queue.json"))
    if queue:
        queue_section(out, queue, load(os.path.join(results, "queue.meta.json")))
    else:
        out.append("_Not run yet: `bench/run.sh queue`._\n")

    out.append("## Redis store\n")
    redis = load(os.path.join(results, "redis.json"))
    if redis:
        out.append("HdrHistogram; the open loop's latency counts from each request's planned start.\n")
        redis_section(out, redis, load(os.path.join(results, "redis.meta.json")))
    else:
        out.append("_Not run yet: `bench/run.sh redis`._\n")

    out.append("## HTTP (Ktor)\n")
    http = load(os.path.join(results, "http.json"))
    if http:
        http_section(out, http, load(os.path.join(results, "http.meta.json")))
    else:
        out.append("_Not run yet: `bench/run.sh http`._\n")

    out.append("## Limiter service (`POST /v1/check`)\n")
    service = load(os.path.join(results, "service.json"))
    if service:
        service_section(out, service, load(os.path.join(results, "service.meta.json")))
    else:
        out.append("_Not run yet: `bench/run.sh service`._\n")

    notes = os.path.join(here, "notes.md")
    if os.path.exists(notes):
        out.append(open(notes).read().rstrip() + "\n")

    with open(target, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
