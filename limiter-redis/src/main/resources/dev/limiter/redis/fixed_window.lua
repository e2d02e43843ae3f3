-- Fixed window aligned to the epoch, twin of dev.limiter.internal.FixedWindow.
-- ARGV 6 limit, 7 window in microseconds.
-- State: 'start:count' (epoch microseconds the window began, permits taken in it).
local limit, window = tonumber(ARGV[6]), tonumber(ARGV[7])
local current = now - floormod(now, window)
local start, count = current, 0
local raw = redis.call('GET', key)
if raw then
  local f = fields(raw)
  start, count = f[1], f[2]
end

if current > start then
  start = current
  count = 0
end
local allowed = count + permits <= limit
if allowed and commit and permits > 0 then
  count = count + permits
  save(key, num(start) .. ':' .. num(count), start + window)
end
local finish = start + window
local retry, reset = 0, 0
if not allowed then retry = finish - now end
if count > 0 then reset = finish - now end
return reply(allowed, limit - count, retry, reset, limit - count, 1)
