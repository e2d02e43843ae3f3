-- wrk script: every request carries one of 12,000 API keys (WRK_KEYS, env), rotated round-robin.
-- Each wrk thread starts at a different offset so threads do not hit the same key at once.
-- PACE_MS (env) turns on pacing: every connection waits that many milliseconds after each
-- response before its next request (wrk 4 has no -R; see run.sh for how the rate is set).
local keys = tonumber(os.getenv("WRK_KEYS") or "12000")
local counter = 0
local pace = tonumber(os.getenv("PACE_MS") or "0")
local path = os.getenv("WRK_PATH") or "/resource"
local threads = {}

function setup(thread)
   thread:set("offset", #threads * 997)
   table.insert(threads, thread)
end

function init(args)
   counter = offset or 0
end

function request()
   counter = counter + 1
   return wrk.format("GET", path, { ["X-API-Key"] = "key-" .. (counter % keys) })
end

if pace > 0 then
   function delay()
      return pace
   end
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   io.write(string.format("RESULT rate=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f non2xx=%d errors=%d requests=%d\n",
      summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency:percentile(99.9) / 1000, summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      summary.requests))
end
