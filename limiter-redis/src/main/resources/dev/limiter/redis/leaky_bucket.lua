-- Leaky bucket as a meter, twin of dev.limiter.internal.LeakyBucket.
-- ARGV 6 capacity, 7 unit (fixed-point units per permit), 8 gain (units drained per microsecond).
-- State: 'level:last' (units, epoch microseconds of the last drain).
local capacity, unit, gain = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local full = capacity * unit
local level, last = 0, now
local raw = redis.call('GET', key)
if raw then
  local f = fields(raw)
  level, last = f[1], f[2]
end

if now > last then
  local elapsed = now - last
  if elapsed >= ceildiv(level, gain) then
    level = 0
  else
    level = level - elapsed * gain
  end
  last = now
end
local lag = last - now
local need = permits * unit
local allowed = level + need <= full
if allowed and commit and need > 0 then
  level = level + need
  save(key, num(level) .. ':' .. num(last), last + ceildiv(level, gain))
end
local retry = 0
if not allowed then retry = lag + ceildiv(level + need - full, gain) end
return reply(allowed, floordiv(full - level, unit), retry, lag + ceildiv(level, gain), full - level, unit)
