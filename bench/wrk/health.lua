-- wrk script for the unlimited baseline: the same server's /health, same header shape as keys.lua.
local counter = 0
function request()
   counter = counter + 1
   return wrk.format("GET", "/health", { ["X-API-Key"] = "key-" .. (counter % 12000) })
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   io.write(string.format("RESULT rate=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f non2xx=%d errors=%d\n",
      summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency:percentile(99.9) / 1000, summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
