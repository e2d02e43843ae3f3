-- Generic cell rate algorithm, twin of dev.limiter.internal.Gcra.
-- ARGV 6 burst, 7 unit (fixed-point units per emission), 8 gain (units per microsecond).
-- State: 'tat:frac', the theoretical arrival time in whole microseconds plus a remainder in
-- [0, gain) units; just 'tat' when the remainder is 0 (always, when gain is 1), which Redis
-- keeps as an integer inside the key's object, with no string allocated.
local burst, unit, gain = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local limit = burst * unit
local tat, frac = now, 0
local raw = redis.call('GET', key)
if raw then
  local f = fields(raw)
  tat, frac = f[1], f[2] or 0
end

local debt = 0
if tat >= now then debt = (tat - now) * gain + frac end
local next = debt + permits * unit
local allowed = next <= limit
local after = debt
if allowed and commit then
  after = next
  tat = now + floordiv(next, gain)
  frac = next - floordiv(next, gain) * gain
  local idle_at = tat
  if frac > 0 then idle_at = tat + 1 end
  local value = num(tat)
  if frac > 0 then value = value .. ':' .. num(frac) end
  save(key, value, idle_at)
end
local retry = 0
if not allowed then retry = ceildiv(next - limit, gain) end
return reply(allowed, floordiv(limit - after, unit), retry, ceildiv(after, gain), limit - after, unit)
