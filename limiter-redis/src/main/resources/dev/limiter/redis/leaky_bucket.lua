-- Leaky bucket as a meter, twin of dev.limiter.internal.LeakyBucket.
-- Parameters a capacity, b unit (fixed-point units per permit), c gain (units drained per
-- microsecond). State: 'level:last' (units, epoch microseconds of the last drain),
-- ':capacity:unit' when tagged. Under other numbers the room left carries over in whole
-- permits (a partial one is dropped), at most the new capacity: a key never gains a permit
-- because its policy changed, and loses only what a lower capacity takes away.

-- The bucket's level and last drain, drained up to now.
local function leaky_bucket_load(l)
  local capacity, unit, gain = l.a, l.b, l.c
  local full = capacity * unit
  local raw = rcall('GET', l.key)
  if not raw then return 0, now end
  local f = fields(raw)
  local level, last = f[1], f[2]
  if f[4] and (f[3] ~= capacity or f[4] ~= unit) then
    level = (capacity - min(floordiv(f[3] * f[4] - level, f[4]), capacity)) * unit
  end
  if level > full then level = full end
  if now > last then
    if now - last >= ceildiv(level, gain) then
      level = 0
    else
      level = level - (now - last) * gain
    end
    last = now
  end
  return level, last
end

local function leaky_bucket_save(l, level, last)
  save(l.key, tag(l, format('%d:%d', level, last), l.a, l.b), last + ceildiv(level, l.c))
end

local function leaky_bucket(l, permits, commit)
  local unit, gain = l.b, l.c
  local full = l.a * unit
  local level, last = leaky_bucket_load(l)
  local lag = last - now
  local need = permits * unit
  local allowed = level + need <= full
  if allowed and commit and need > 0 then
    level = level + need
    leaky_bucket_save(l, level, last)
  end
  local retry = 0
  if not allowed then retry = lag + ceildiv(level + need - full, gain) end
  return allowed, floordiv(full - level, unit), retry, lag + ceildiv(level, gain), full - level, unit
end

-- Takes the permits back out of the bucket, down to empty: what drained since the charge
-- empties it first.
local function leaky_bucket_refund(l, permits, charged_at)
  if rcall('EXISTS', l.key) == 0 then return end
  local level, last = leaky_bucket_load(l)
  leaky_bucket_save(l, max(0, level - permits * l.b), last)
end
