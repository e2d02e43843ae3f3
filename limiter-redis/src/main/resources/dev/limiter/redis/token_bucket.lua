-- Token bucket, twin of dev.limiter.internal.TokenBucket.
-- ARGV 6 capacity, 7 unit (fixed-point units per token), 8 gain (units per microsecond).
-- State: 'tokens:last' (units, epoch microseconds of the last refill).
local capacity, unit, gain = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local full = capacity * unit
local tokens, last = full, now
local raw = redis.call('GET', key)
if raw then
  local f = fields(raw)
  tokens, last = f[1], f[2]
end

if now > last then
  local elapsed = now - last
  if elapsed >= ceildiv(full - tokens, gain) then
    tokens = full
  else
    tokens = tokens + elapsed * gain
  end
  last = now
end
local lag = last - now
local need = permits * unit
local allowed = tokens >= need
if allowed and commit and need > 0 then
  tokens = tokens - need
  save(key, num(tokens) .. ':' .. num(last), last + ceildiv(full - tokens, gain))
end
local retry = 0
if not allowed then retry = lag + ceildiv(need - tokens, gain) end
return reply(allowed, floordiv(tokens, unit), retry, lag + ceildiv(full - tokens, gain), tokens, unit)
